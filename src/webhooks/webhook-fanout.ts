import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { DeliveryContext } from '../messaging/delivery-context.js';
import type { Message } from '../messaging/message.js';
import { MessageConsumers } from '../messaging/message-consumers.js';
import { Outbox } from '../messaging/outbox.js';
import { webhookDeliveryOf, webhookEventOf } from './webhook.messages.js';
import { webhooksFor } from './webhooks.repository.js';

/** The consumer of order events that webhooks want (subscribed by `WebhookSubscriptions`). */
export const WEBHOOK_FANOUT_CONSUMER = 'webhooks';

/** Webhooks live with `order`: their rows are claimed only by the relays of processes hosting it. */
export const WEBHOOKS_DESTINATION = 'order';

/**
 * Turns one order event into one outbox row per webhook that wants it, in the delivery's own
 * transaction: the event's row is settled if and only if every webhook's row is written. A
 * webhook registered after this commit does not get the event; one deleted before it does not.
 */
@Injectable()
export class WebhookFanout implements OnModuleInit {
  constructor(
    private readonly consumers: MessageConsumers,
    private readonly outbox: Outbox,
  ) {}

  onModuleInit(): void {
    // No events yet: `WebhookSubscriptions` subscribes it to those some webhook wants.
    this.consumers.register(WEBHOOK_FANOUT_CONSUMER, (event, delivery) => this.fanOut(event, delivery), { destination: WEBHOOKS_DESTINATION });
  }

  private async fanOut(event: Message, delivery: DeliveryContext): Promise<void> {
    const name = webhookEventOf(event.type);
    if (!name) return;
    const ids = await webhooksFor(delivery.tx, name);
    await this.outbox.add(delivery, ids.map((id) => webhookDeliveryOf(event, name, id)));
  }
}
