import { randomUUID } from 'node:crypto';

/** Where a message came from and where it belongs. Persisted with every outbox row. */
export interface MessageMeta {
  /** Unique per message; consumers dedupe on it (inbox). */
  messageId: string;
  /** Shared by every message of one business operation, e.g. the saga id. */
  correlationId: string;
  /** The message that caused this one, or null for the first. */
  causationId: string | null;
  occurredAt: string;
  /** W3C trace context of the operation, carried across every hop. */
  traceparent?: string;
  /** On a command: the consumer that wants its reply (e.g. `saga`). */
  replyTo?: string;
  /** On a reply: the consumer it is addressed to (copied from the command's `replyTo`). */
  recipient?: string;
  /** On a command: which attempt this delivery is (a retry keeps the message id). */
  attempt?: number;
}

/** The class side of a message: its stable persisted type name and its constructor. */
export interface MessageClass<M extends Message = Message> {
  readonly type: string;
  readonly kind: 'command' | 'event';
  new (data: never, meta?: Partial<MessageMeta>): M;
}

/**
 * A command or an event: plain JSON `data` plus `meta`. Subclasses declare
 * `static readonly type = 'module.Name'`, the only name ever persisted.
 */
export abstract class Message<T = unknown> {
  readonly meta: MessageMeta;

  constructor(
    readonly data: T,
    meta: Partial<MessageMeta> = {},
  ) {
    const messageId = meta.messageId ?? randomUUID();
    this.meta = {
      messageId,
      correlationId: meta.correlationId ?? messageId,
      causationId: meta.causationId ?? null,
      occurredAt: meta.occurredAt ?? new Date().toISOString(),
      ...(meta.traceparent && { traceparent: meta.traceparent }),
      ...(meta.replyTo && { replyTo: meta.replyTo }),
      ...(meta.recipient && { recipient: meta.recipient }),
      ...(meta.attempt && { attempt: meta.attempt }),
    };
  }

  get type(): string {
    return (this.constructor as unknown as MessageClass).type;
  }

  /** Joins this message to the operation of `parent`; a reply goes back to whoever asked. */
  causedBy(parent: Message): this {
    this.meta.correlationId = parent.meta.correlationId;
    this.meta.causationId = parent.meta.messageId;
    if (parent.meta.traceparent) this.meta.traceparent = parent.meta.traceparent;
    if (parent.meta.replyTo) this.meta.recipient = parent.meta.replyTo;
    return this;
  }
}

/** Asks one handler to do something; delivered through the CQRS `CommandBus`. */
export abstract class Command<T = unknown> extends Message<T> {
  static readonly kind = 'command';
}

/** Says something happened; delivered to its recipient (a reply) or its subscribers. */
export abstract class Event<T = unknown> extends Message<T> {
  static readonly kind = 'event';
}

/**
 * An event for systems outside: published to the RabbitMQ topic exchange when RABBITMQ_URL is set
 * (see `IntegrationPublisher`), with its type as the routing key. Its data is a published schema:
 * add fields, never rename or remove one.
 */
export abstract class IntegrationEvent<T = unknown> extends Event<T> {
  static readonly integration = true;
}

const registry = new Map<string, MessageClass>();

/** The types of every registered integration event. */
export function integrationEventTypes(): string[] {
  return [...registry.values()].filter((cls) => (cls as { integration?: boolean }).integration === true).map((cls) => cls.type);
}

/** Makes message classes known by their persisted type, so the relay can rebuild them. */
export function registerMessages(...classes: MessageClass[]): void {
  for (const cls of classes) {
    const known = registry.get(cls.type);
    if (known && known !== cls) throw new Error(`Message type ${cls.type} registered twice`);
    registry.set(cls.type, cls);
  }
}

/** Rebuilds a message from its persisted form. */
export function restoreMessage(type: string, data: unknown, meta: MessageMeta): Message {
  const cls = registry.get(type);
  if (!cls) throw new Error(`Unknown message type ${type}`);
  return new cls(data as never, meta);
}
