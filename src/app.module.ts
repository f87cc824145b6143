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
import { MessagingModule } from './messaging/messaging.module.js';
import { hostedManifests } from './modules.js';
import { loggerModule } from './observability/logging.js';
import { ObservabilityModule } from './observability/observability.module.js';
import { RetentionService } from './retention/retention.service.js';
import { WebhooksModule } from './webhooks/webhooks.module.js';

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
        // Messaging's tables and the hosted modules' only: each module may have a database of its own.
        TypeOrmModule.forRootAsync({
          useFactory: () => dataSourceOptions(config.databaseUrl, config.modules),
          dataSourceFactory: async (options) => {
            const db = await new DataSource(options!).initialize();
            if (config.migrationsRun) await migrate(db);
            return db;
          },
        }),
        AuthModule,
        ObservabilityModule,
        MessagingModule,
        // The business modules this process hosts (MODULES); the others are reached by their routes.
        ...hostedManifests(config.modules).map((m) => m.module),
        // Webhooks on order status: fed by order's events as they are written, so hosted with it.
        ...(config.modules.includes('order') ? [WebhooksModule] : []),
        HealthModule,
      ],
      // The dashboard shows sagas: it lives where they do.
      controllers: config.modules.includes('saga') ? [DashboardController] : [],
      providers: [RetentionService],
    };
  }
}
