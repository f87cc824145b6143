import { createHash } from 'node:crypto';
import { Event, type Message, registerMessages } from '../messaging/message.js';
import { OrderCancelledEvent, OrderConfirmedEvent, OrderCreatedEvent } from '../order/order.messages.js';

/**
 * The events a webhook may subscribe to, by the name its receiver sees (`type` of the body), and
 * the integration event behind each. Names are published: add, never rename.
 */
export const WEBHOOK_EVENTS = {
  'order.created': OrderCreatedEvent.type,
  'order.confirmed': OrderConfirmedEvent.type,
  'order.cancelled': OrderCancelledEvent.type,
} as const;

export type WebhookEventName = keyof typeof WEBHOOK_EVENTS;

export const WEBHOOK_EVENT_NAMES = Object.keys(WEBHOOK_EVENTS) as WebhookEventName[];

/** The webhook event name of an integration event type, if webhooks carry it. */
export function webhookEventOf(integrationType: string): WebhookEventName | undefined {
  return WEBHOOK_EVENT_NAMES.find((name) => WEBHOOK_EVENTS[name] === integrationType);
}

/** What the receiver gets as the JSON body. */
export interface WebhookBody {
  type: WebhookEventName;
  /** When the event happened (ISO 8601), not when this attempt was sent. */
  timestamp: string;
  data: unknown;
}

/**
 * One event owed to one webhook: an outbox row of its own, so it is retried, dead-lettered and
 * re-driven alone. Its message id is the `webhook-id` header, the same on every attempt. The
 * target and secret are read when it is sent, never stored in the row (dead letters are readable).
 */
export class WebhookDelivery extends Event<{ webhookId: string; body: WebhookBody }> {
  static readonly type = 'webhooks.WebhookDelivery';
}

registerMessages(WebhookDelivery);

/**
 * The delivery of `event` to webhook `webhookId`: its id derives from both (a UUID-shaped SHA-256),
 * so the pair has one id whoever computes it.
 */
export function webhookDeliveryOf(event: Message, name: WebhookEventName, webhookId: string): WebhookDelivery {
  const hex = createHash('sha256').update(`${event.meta.messageId}/${webhookId}`).digest('hex');
  const messageId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  const body: WebhookBody = { type: name, timestamp: event.meta.occurredAt, data: event.data };
  return new WebhookDelivery({ webhookId, body }, { messageId }).causedBy(event);
}
