import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import amqp, { type AmqpConnectionManager, type ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel } from 'amqplib';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { integrationEventTypes, type Message } from './message.js';
import { MessageConsumers } from './message-consumers.js';

/** The outbox consumer that publishes integration events. */
export const INTEGRATION_CONSUMER = 'integration-events';

/**
 * How long one publish may wait for the broker's confirm before the delivery fails and is retried
 * with backoff. The delivery's transaction (which only settles the row) stays open meanwhile.
 */
const PUBLISH_TIMEOUT_MS = 5_000;

/**
 * Publishes every integration event (see `IntegrationEvent`) to a durable topic exchange
 * (RABBITMQ_EXCHANGE) when RABBITMQ_URL is set; without it the events have no consumer and the
 * outbox writes no row for them. Each event is an outbox row like any message, delivered at least
 * once: the relay settles it only once the broker confirmed the publish (a persistent message), and
 * retries it with backoff while the broker is away. Routing key: the event type. Consumers
 * de-duplicate by `messageId` (the AMQP message id too).
 */
@Injectable()
export class IntegrationPublisher implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(IntegrationPublisher.name);
  private connection?: AmqpConnectionManager;
  private channel?: ChannelWrapper;

  constructor(
    private readonly consumers: MessageConsumers,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    const { url, exchange } = this.config.rabbitmq;
    if (!url) return;
    this.connection = amqp.connect([url], { heartbeatIntervalInSeconds: 5, reconnectTimeInSeconds: 1 });
    this.connection.on('disconnect', ({ err }) => this.logger.warn(`RabbitMQ connection lost: ${err?.message ?? 'closed'}`));
    this.channel = this.connection.createChannel({
      confirm: true,
      publishTimeout: PUBLISH_TIMEOUT_MS,
      setup: (channel: ConfirmChannel) => channel.assertExchange(exchange, 'topic', { durable: true }),
    });
    this.consumers.register(INTEGRATION_CONSUMER, (event) => this.publish(event), { events: integrationEventTypes() });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.channel?.close();
    await this.connection?.close();
  }

  /** Resolves once the broker confirmed the event; rejects (and the relay retries) otherwise. */
  private async publish(event: Message): Promise<void> {
    const { messageId, correlationId, occurredAt, traceparent } = event.meta;
    const body = { type: event.type, messageId, correlationId, occurredAt, data: event.data };
    await this.channel!.publish(this.config.rabbitmq.exchange, event.type, Buffer.from(JSON.stringify(body)), {
      persistent: true,
      contentType: 'application/json',
      messageId,
      correlationId,
      type: event.type,
      timestamp: Math.floor(Date.parse(occurredAt) / 1000),
      headers: traceparent ? { traceparent } : {},
    });
  }
}
