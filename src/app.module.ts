import { type DynamicModule, Module } from '@nestjs/common';
import type { DestinationStream } from 'pino';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuthModule } from './auth/auth.module.js';
import type { AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import { dataSourceOptions } from './database/data-source-options.js';
import { migrate } from './database/migrations-runner.js';
import { DashboardController } from './dashboard/dashboard.controller.js';
import { HealthModule } from './health/health.module.js';
import { InventoryModule } from './inventory/inventory.module.js';
import { MessagingModule } from './messaging/messaging.module.js';
import { loggerModule } from './observability/logging.js';
import { ObservabilityModule } from './observability/observability.module.js';
import { OrderModule } from './order/order.module.js';
import { PaymentModule } from './payment/payment.module.js';
import { RetentionService } from './retention/retention.service.js';
import { SagaModule } from './saga/saga.module.js';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, logStream?: DestinationStream): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        loggerModule(config.logLevel, logStream),
        // Migrations run at start-up (a fresh database needs no manual step), under a lock that lets
        // one of several processes starting together migrate; MIGRATIONS_RUN=false leaves it to `npm run migrate`.
        TypeOrmModule.forRootAsync({
          useFactory: () => dataSourceOptions(config.databaseUrl),
          dataSourceFactory: async (options) => {
            const db = await new DataSource(options!).initialize();
            if (config.migrationsRun) await migrate(db);
            return db;
          },
        }),
        AuthModule,
        ObservabilityModule,
        MessagingModule,
        SagaModule,
        OrderModule,
        InventoryModule,
        PaymentModule,
        HealthModule,
      ],
      controllers: [DashboardController],
      providers: [RetentionService],
    };
  }
}
