import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel } from 'amqplib';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { integrationEventTypes, type Message } from './message.js';
import { MessageConsumers } from './message-consumers.js';
import { PUBLISH_TIMEOUT_MS, RabbitMqConnection } from './rabbitmq/rabbitmq-connection.js';

/** The outbox consumer that publishes integration events. */
export const INTEGRATION_CONSUMER = 'integration-events';

/**
 * Publishes every integration event (see `IntegrationEvent`) to a durable topic exchange
 * (RABBITMQ_EXCHANGE) when RABBITMQ_URL is set; without it the events have no consumer and the
 * outbox writes no row for them. Each event is an outbox row like any message, delivered at least
 * once: the relay settles it only once the broker confirmed the publish (a persistent message), and
 * retries it with backoff while the broker is away. Its channel is on the process's shared connection
 * (`RabbitMqConnection`), closed at shutdown. Routing key: the event type. Consumers
 * de-duplicate by `messageId` (the AMQP message id too).
 */
@Injectable()
export class IntegrationPublisher implements OnModuleInit {
  private channel?: ChannelWrapper;

  constructor(
    private readonly consumers: MessageConsumers,
    private readonly rabbitmq: RabbitMqConnection,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    if (!this.rabbitmq.configured) return;
    const { exchange } = this.config.rabbitmq;
    this.channel = this.rabbitmq.channel({
      name: 'integration-events',
      confirm: true,
      publishTimeout: PUBLISH_TIMEOUT_MS,
      setup: (channel: ConfirmChannel) => channel.assertExchange(exchange, 'topic', { durable: true }),
    });
    this.consumers.register(INTEGRATION_CONSUMER, (event) => this.publish(event), { events: integrationEventTypes() });
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
