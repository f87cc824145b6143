import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { MessageConsumers } from '../messaging/message-consumers.js';
import { WEBHOOK_FANOUT_CONSUMER } from './webhook-fanout.js';
import { WEBHOOK_EVENTS } from './webhook.messages.js';
import { subscribedEvents } from './webhooks.repository.js';

/** The channel the webhooks table notifies on every change (see its migration). */
const CHANNEL = 'webhooks';

/**
 * Keeps the fan-out consumer subscribed to exactly the order events some webhook wants, so an
 * order writes a row for webhooks only then: with no webhook, placing an order costs nothing more.
 * Each instance reloads the set at start, on every NOTIFY of the webhooks table (within
 * milliseconds of a change on any instance), every WEBHOOK_REFRESH_MS in case a NOTIFY was lost
 * (its LISTEN connection down), and synchronously after a change made through itself. Until an
 * instance has reloaded, the orders it changes do not reach a webhook registered elsewhere.
 */
@Injectable()
export class WebhookSubscriptions implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(WebhookSubscriptions.name);
  private client?: pg.Client;
  private timer?: NodeJS.Timeout;
  private running = false;
  /** Reloads one after another, so an older answer never overwrites a newer one. */
  private reloading: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: DataSource,
    private readonly consumers: MessageConsumers,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.running = true;
    // Not fatal: the database may be unreachable for a moment, or not migrated yet (MIGRATIONS_RUN=false); the next reload tries again.
    await this.tryReload();
    this.timer = setInterval(() => void this.tryReload(), this.config.webhooks.refreshMs);
    void this.listen();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.running = false;
    clearInterval(this.timer);
    await this.client?.end().catch(() => undefined);
    await this.reloading.catch(() => undefined);
  }

  /** Reads which events webhooks want and subscribes the fan-out to those; resolves once it has. */
  reload(): Promise<void> {
    const next = this.reloading.catch(() => undefined).then(async () => {
      const names = await subscribedEvents(this.db);
      this.consumers.subscribe(WEBHOOK_FANOUT_CONSUMER, names.map((name) => WEBHOOK_EVENTS[name]).filter(Boolean));
    });
    this.reloading = next;
    return next;
  }

  private tryReload(): Promise<void> {
    return this.reload().catch((e: unknown) => this.logger.warn(`cannot reload webhooks (trying again in ${this.config.webhooks.refreshMs} ms): ${String(e)}`));
  }

  /** LISTENs on a connection of its own; connects again after a loss, the periodic reload covering the gap. */
  private async listen(): Promise<void> {
    if (!this.running) return;
    const client = new pg.Client({ connectionString: this.config.databaseUrl });
    const again = () => {
      client.end().catch(() => undefined);
      if (this.running) setTimeout(() => void this.listen(), this.config.webhooks.refreshMs).unref();
    };
    client.on('notification', () => void this.tryReload());
    client.on('error', (error) => {
      if (!this.running) return;
      this.logger.warn(`webhooks LISTEN connection lost: ${error.message}`);
      if (this.client === client) again();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      this.client = client;
      if (!this.running) await client.end();
      else await this.tryReload(); // a change between the last reload and the LISTEN
    } catch (error) {
      this.logger.warn(`webhooks LISTEN failed, reloading every ${this.config.webhooks.refreshMs} ms only: ${String(error)}`);
      again();
    }
  }
}
