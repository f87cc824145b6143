import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import amqp, { type AmqpConnectionManager, type ChannelWrapper, type CreateChannelOpts } from 'amqp-connection-manager';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';

/**
 * How long one publish may wait for the broker (a connection, then its confirm) before it fails
 * and its outbox row is retried with backoff. The delivery's transaction stays open meanwhile.
 */
export const PUBLISH_TIMEOUT_MS = 5_000;

/**
 * The process's one connection to RabbitMQ (RABBITMQ_URL), shared by everything that talks to the
 * broker: each user opens its own channels on it. Opened on first use, so a process without
 * RABBITMQ_URL, or one that never needs the broker, never connects. amqp-connection-manager keeps
 * it alive: heartbeats every 5 s notice a dead peer, a lost connection is retried every second,
 * and each channel's setup runs again on every new connection (exchanges and queues asserted,
 * consumers registered). Closed, with its channels, at shutdown.
 */
@Injectable()
export class RabbitMqConnection implements OnApplicationShutdown {
  private readonly logger = new Logger(RabbitMqConnection.name);
  private manager?: AmqpConnectionManager;
  private readonly channels = new Set<ChannelWrapper>();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** Whether RABBITMQ_URL is set. */
  get configured(): boolean {
    return this.config.rabbitmq.url !== '';
  }

  /** How the broker lists this process's connection (its management UI, `rabbitmqctl list_connections client_properties`). */
  get name(): string {
    return `nest-saga-orchestrator (${this.config.modules.join(', ')}) pid ${process.pid}`;
  }

  /** A channel on the shared connection (connecting first if needed); closed at shutdown. */
  channel(options: CreateChannelOpts): ChannelWrapper {
    const channel = this.connection().createChannel(options);
    channel.on('error', (error: Error) => this.logger.warn(`RabbitMQ channel ${options.name ?? ''} setup failed: ${error.message}`));
    channel.on('close', () => this.channels.delete(channel));
    this.channels.add(channel);
    return channel;
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.channels].map((channel) => channel.close()));
    await this.manager?.close();
    this.manager = undefined;
  }

  private connection(): AmqpConnectionManager {
    if (this.manager) return this.manager;
    if (!this.configured) throw new Error('RabbitMQ is not configured: set RABBITMQ_URL');
    this.manager = amqp.connect([this.config.rabbitmq.url], {
      heartbeatIntervalInSeconds: 5,
      reconnectTimeInSeconds: 1,
      connectionOptions: { clientProperties: { connection_name: this.name } },
    });
    this.manager.on('disconnect', ({ err }) => this.logger.warn(`RabbitMQ connection lost: ${err?.message ?? 'closed'}`));
    return this.manager;
  }
}
