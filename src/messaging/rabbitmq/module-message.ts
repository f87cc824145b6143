import type { Options } from 'amqplib';
import type { MessageMeta } from '../message.js';

/** A command or reply as it travels to a module hosted in another process: its persisted form. */
export interface ModuleMessage {
  type: string;
  payload: unknown;
  meta: MessageMeta;
}

/**
 * The body (`{ type, payload, meta }` as JSON) and AMQP properties of `message`: persistent, so a
 * broker restart keeps it; `mandatory`, so a message no queue takes comes back (basic.return)
 * instead of vanishing; the message id, type and trace context readable without parsing the body.
 */
export function encodeModuleMessage({ type, payload, meta }: ModuleMessage): { content: Buffer; options: Options.Publish } {
  const occurredAt = Date.parse(meta.occurredAt);
  return {
    content: Buffer.from(JSON.stringify({ type, payload, meta })),
    options: {
      persistent: true,
      mandatory: true,
      contentType: 'application/json',
      messageId: meta.messageId,
      correlationId: meta.correlationId,
      type,
      ...(Number.isFinite(occurredAt) && { timestamp: Math.floor(occurredAt / 1000) }),
      headers: meta.traceparent ? { traceparent: meta.traceparent } : {},
    },
  };
}

/** The message in `content`, or why it is not one (bad JSON, no type, no meta or message id). */
export function decodeModuleMessage(content: Buffer): ModuleMessage | { malformed: string } {
  let body: unknown;
  try {
    body = JSON.parse(content.toString('utf8'));
  } catch (error) {
    return { malformed: `not JSON (${(error as Error).message})` };
  }
  if (!isObject(body)) return { malformed: 'not a JSON object' };
  const { type, payload, meta } = body;
  if (typeof type !== 'string' || type === '') return { malformed: 'no type' };
  if (!isObject(meta)) return { malformed: 'no meta' };
  for (const field of ['messageId', 'correlationId', 'occurredAt'] as const) {
    if (typeof meta[field] !== 'string' || meta[field] === '') return { malformed: `no meta.${field}` };
  }
  return { type, payload, meta: meta as unknown as MessageMeta };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
