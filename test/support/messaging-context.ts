import type { INestApplicationContext, Provider } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { type AppConfig, loadConfig } from '../../src/config/app-config.js';
import { ConfigModule } from '../../src/config/config.module.js';
import { dataSourceOptions } from '../../src/database/data-source-options.js';
import { Event, registerMessages } from '../../src/messaging/message.js';
import { MessagingModule } from '../../src/messaging/messaging.module.js';
import { Outbox } from '../../src/messaging/outbox.js';
import { ObservabilityModule } from '../../src/observability/observability.module.js';

/** An event for test consumers, addressed by its `recipient`. */
export class Probe extends Event<{ n: number }> {
  static readonly type = 'test.Probe';
}
registerMessages(Probe);

/**
 * The messaging module alone on a real database; by default with the relay loop off, so tests
 * drive `drain()`. `providers`: e.g. a test's command handlers.
 */
export async function messagingContext(databaseUrl: string, relay: Partial<AppConfig['relay']> = {}, providers: Provider[] = []): Promise<INestApplicationContext> {
  const base = loadConfig({});
  const config: AppConfig = { ...base, databaseUrl, relay: { ...base.relay, enabled: false, ...relay } };
  const moduleRef = await Test.createTestingModule({
    imports: [ConfigModule.forRoot(config), TypeOrmModule.forRoot(dataSourceOptions(databaseUrl)), ObservabilityModule, MessagingModule],
    providers,
  }).compile();
  moduleRef.useLogger(['error']);
  return moduleRef.init();
}

/** Writes `count` probes for `recipient` through `ctx`'s outbox, in one transaction; returns their message ids. */
export async function enqueue(ctx: INestApplicationContext, count: number, recipient: string): Promise<string[]> {
  const probes = Array.from({ length: count }, (_, n) => new Probe({ n }, { recipient }));
  await ctx.get(DataSource).transaction((tx) => ctx.get(Outbox).add(tx, probes));
  return probes.map((p) => p.meta.messageId);
}
