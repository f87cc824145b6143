import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { execute, statement } from '../database/prepared.js';
import { afterCommit, beforeCommit } from '../database/transaction-hooks.js';
import { DeliveryContext, type TransactionScope, txOf } from './delivery-context.js';
import { Command, type Message, type MessageMeta, restoreMessage } from './message.js';
import { COMMAND_BUS_CONSUMER, MessageConsumers } from './message-consumers.js';
import { currentTraceparent } from '../observability/tracing.js';
import { type HandoffReceiver, RelayHandoff } from './relay-handoff.js';
import { destinationOf, Routes } from './routes.js';

/** An outbox row a relay delivers: claimed by it, or handed to it by the transaction that wrote it. */
export interface OutboxDelivery {
  id: string;
  consumer: string;
  /** The module (or process-level consumer) it is for; see `destinationOf`. */
  destination: string;
  type: string;
  payload: unknown;
  meta: MessageMeta;
  attempts: number;
  /** The token of the claim (or hand-over) that leased the row: every later write of this delivery names it. */
  claimToken: string;
}

/** A row waiting for its transaction's commit; `holdMs` hides it until then (a lease or a delay). */
interface PendingRow extends Omit<OutboxDelivery, 'id' | 'claimToken'> {
  message_id: string;
  hold_ms: number;
  /** Delivered in the transaction that wrote it (see `DeliveryContext.keepLocalReply`): written as processed. */
  processed: boolean;
  handoff?: HandoffReceiver;
  /** Set when handed over: the row is written leased, so it carries its lease's token as a claim would. */
  claim_token: string | null;
}

/** Writes the rows a transaction gathered, in one statement, from a JSON array ($1). */
const INSERT_ROWS = statement(`INSERT INTO messaging.outbox (message_id, consumer, destination, type, payload, meta, attempts, available_at, processed_at, claim_token)
  SELECT r.message_id, r.consumer, r.destination, r.type, r.payload, r.meta, r.attempts, now() + r.hold_ms * interval '1 millisecond',
         CASE WHEN r.processed THEN now() END, r.claim_token
    FROM jsonb_to_recordset($1::jsonb) AS r(message_id uuid, consumer text, destination text, type text, payload jsonb, meta jsonb, attempts int, hold_ms int, processed boolean, claim_token uuid)
  RETURNING id, message_id, consumer`);

/**
 * The only way a message leaves a module: written in the caller's transaction, so it is
 * published if and only if the business change commits. The rows a transaction adds are
 * gathered and written in one statement just before it commits. With a relay running in this
 * process (see `RelayHandoff`), they are written already leased to it and handed over after the
 * commit: no NOTIFY, no claim round trip. If this process dies first, the lease expires and any
 * relay takes them. Otherwise a trigger on the table NOTIFYs the relays.
 */
@Injectable()
export class Outbox {
  constructor(
    private readonly consumers: MessageConsumers,
    private readonly routes: Routes,
    private readonly handoff: RelayHandoff,
  ) {}

  /**
   * Adds one outbox row per (message, consumer) in `scope`; `delayMs` holds delivery back (by the
   * database's clock). `scope` is a plain transaction, or the context of the delivery the caller
   * handles: a reply it sends to a consumer of this process is then kept in the context, for the
   * delivery to apply in the same transaction (see `DeliveryContext.keepLocalReply`).
   */
  async add(scope: TransactionScope, messages: Message | Message[], options: { delayMs?: number } = {}): Promise<void> {
    const addressed = [messages].flat().flatMap((message) => this.consumersOf(message).map((consumer) => ({ message, consumer })));
    if (addressed.length === 0) return; // an event nobody here subscribes to (an integration event without RabbitMQ)
    const tx = txOf(scope);
    const delayMs = Math.max(0, Math.round(options.delayMs ?? 0));
    const handoff = delayMs === 0 ? this.handoff.receiver : undefined; // a delayed row waits in the table
    const traceparent = currentTraceparent(); // the span that sends it: the trace goes on through every hop
    const delivery = delayMs === 0 && scope instanceof DeliveryContext && scope.keepsLocalReplies ? scope : undefined;
    const rows: PendingRow[] = addressed.map(({ message, consumer }) => {
      const destination = this.consumers.consumer(consumer)?.destination ?? destinationOf(consumer, message.type);
      const row = { message_id: message.meta.messageId, consumer, destination, type: message.type, payload: message.data, meta: traceparent ? { ...message.meta, traceparent } : message.meta };
      // A reply for a consumer of this process, sent in a delivery's context: the delivery
      // applies it in this same transaction, so its row is written already processed.
      if (delivery && message.meta.recipient === consumer && this.consumers.has(consumer)) {
        // Restored from its JSON, as a delivery from the table would be.
        const reply = restoreMessage(row.type, JSON.parse(JSON.stringify(row.payload)), { ...row.meta });
        delivery.keepLocalReply({ row: { id: '', consumer, destination, type: row.type, payload: row.payload, meta: row.meta, attempts: 1, claimToken: '' }, message: reply });
        return { ...row, attempts: 1, hold_ms: 0, processed: true, claim_token: null };
      }
      // Only a row this process can deliver is handed to its relay; any other waits for a relay that can.
      if (!handoff || !this.routes.transportOf(destination)) return { ...row, attempts: 0, hold_ms: delayMs, processed: false, claim_token: null };
      return { ...row, attempts: 1, hold_ms: handoff.leaseMs, processed: false, handoff, claim_token: randomUUID() };
    });
    await beforeCommit(tx, 'outbox', rows, (all) => this.write(tx, all));
  }

  /** Not async: its statement is sent before it returns, or it throws (see `beforeCommit`). */
  private write(tx: EntityManager, rows: PendingRow[]): Promise<void> {
    const sent = execute<{ id: string; message_id: string; consumer: string }>(tx, INSERT_ROWS, [
      JSON.stringify(rows.map(({ message_id, consumer, destination, type, payload, meta, attempts, hold_ms, processed, claim_token }) => ({ message_id, consumer, destination, type, payload, meta, attempts, hold_ms, processed, claim_token }))),
    ]);
    return sent.then(({ rows: written }) => this.handOver(tx, rows, written));
  }

  /** Rows written already leased to this process's relay go to it once they are committed. */
  private handOver(tx: EntityManager, rows: PendingRow[], written: { id: string; message_id: string; consumer: string }[]): void {
    const handed = rows.filter((row) => row.handoff);
    if (handed.length === 0) return;
    const idOf = new Map(written.map((w) => [`${w.message_id}/${w.consumer}`, w.id]));
    const deliveries = handed.map(({ consumer, destination, type, payload, meta, attempts, message_id, claim_token }) => ({
      id: idOf.get(`${message_id}/${consumer}`)!,
      consumer,
      destination,
      type,
      payload,
      meta,
      attempts,
      claimToken: claim_token!,
    }));
    afterCommit(tx, () => handed[0].handoff!.accept(deliveries));
  }

  private consumersOf(message: Message): string[] {
    if (message instanceof Command) return [COMMAND_BUS_CONSUMER];
    if (message.meta.recipient) return [message.meta.recipient];
    return this.consumers.subscribersOf(message.type);
  }
}
