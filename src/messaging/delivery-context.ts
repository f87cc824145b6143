import type { EntityManager } from 'typeorm';
import type { Message } from './message.js';
import type { OutboxDelivery } from './outbox.js';

/**
 * A row the relay delivers and the message restored from it. Made once per delivery and kept
 * across every transaction that tries it: a batch's, then, if the batch rolls back, its own.
 */
export interface DeliveredRow {
  readonly row: OutboxDelivery;
  readonly message: Message;
  /**
   * Whether a fault is injected into this delivery, once decided (see `FaultInjector`): a batch
   * that rolls back and goes one by one does not decide again.
   */
  injectedFault?: boolean;
}

/**
 * A reply for a consumer of this process, applied in the transaction that sent it. Its `row` has
 * no id and no claim token: it is written at the commit, already processed, never leased.
 */
export interface LocalReply {
  row: OutboxDelivery;
  message: Message;
}

/**
 * Where a write goes: a plain transaction (an HTTP request's, a timer's, an inbound consumer's),
 * or the transaction of a delivery, whose context brings the delivery's fast paths and fencing.
 */
export type TransactionScope = EntityManager | DeliveryContext;

/** The transaction a write in `scope` joins. */
export function txOf(scope: TransactionScope): EntityManager {
  return scope instanceof DeliveryContext ? scope.tx : scope;
}

/** The delivery contexts of the commands being dispatched through the CommandBus now (see `DeliveryContext.of`). */
const dispatching = new WeakMap<Message, DeliveryContext>();

/**
 * Everything one delivery transaction knows, in one object that `Delivery` makes for each
 * transaction it opens and passes along: to the consumer's handler and batch hook, and from them
 * to `Participant.answer`, `Inbox.markApplied` and `Outbox.add`. It holds:
 *
 * - `tx`, the transaction every consumer of these rows joins (a handler that opened one of its own
 *   beside it could wait forever on a row lock this one holds);
 * - the rows it delivers with their claim tokens, so every write after the claim is fenced, and
 *   which of them a consumer's inbox settled (the relay settles the others);
 * - whether it delivers a batch, so an inbox may gather its record until the commit;
 * - the replies its handlers sent to consumers of this process, which `Delivery` applies in the
 *   same transaction rather than through the outbox.
 *
 * What a transaction writes just before its commit (the gathered rows) and does after it stays
 * with the transaction itself (`transaction-hooks.ts`): every transaction has those, a delivery's
 * or not, and they fire from the commit, which only the transaction sees.
 */
export class DeliveryContext {
  private readonly settled = new Set<Message>();
  private localReplies: LocalReply[] | undefined;
  private appliedReplies = false;

  constructor(
    readonly tx: EntityManager,
    private readonly rows: readonly DeliveredRow[],
    /** Whether replies to consumers of this process are kept for `Delivery` to apply here (else they go through the outbox). */
    keepLocalReplies: boolean,
  ) {
    if (keepLocalReplies) this.localReplies = [];
  }

  /**
   * The context of the delivery that is handing `command` to its CQRS handler, if any; a handler
   * passes it on (to `Participant.answer`). A command called directly (an HTTP or gRPC request)
   * has none, and its handler opens a transaction of its own.
   *
   * Why a lookup rather than an argument: `CommandBus.execute` hands a handler the command alone,
   * and the command is the module's public message, built by controllers and other modules too,
   * so the state of one delivery of it does not belong on it. The lookup is set by `Delivery`
   * only (see `dispatch`) for exactly as long as the handler runs, so nothing else can find it.
   */
  static of(command: Message): DeliveryContext | undefined {
    return dispatching.get(command);
  }

  /** For `Delivery`: runs `execute` (the CommandBus) with this context found by `of(command)` meanwhile. */
  async dispatch<T>(command: Message, execute: () => Promise<T>): Promise<T> {
    dispatching.set(command, this);
    try {
      return await execute();
    } finally {
      dispatching.delete(command);
    }
  }

  /**
   * Whether it delivers several rows, so what a consumer records may be gathered until the commit
   * (see `Inbox.markApplied`): if that fails, the relay delivers the rows again one by one.
   */
  get batch(): boolean {
    return this.rows.length > 1;
  }

  /** The delivered row that carried `message`; none for a reply applied where it was sent. */
  rowOf(message: Message): DeliveredRow | undefined {
    return this.rows.find((delivered) => delivered.message === message);
  }

  /** Called by the consumer's inbox when its record settled the row of `message` (fenced by its claim token). */
  settle(message: Message): void {
    this.settled.add(message);
  }

  /** The rows no inbox settled: the relay settles them with the transaction's last writes. */
  unsettled(): DeliveredRow[] {
    return this.rows.filter((delivered) => !this.settled.has(delivered.message));
  }

  /** Whether replies to consumers of this process are applied in this transaction (see `keepLocalReply`). */
  get keepsLocalReplies(): boolean {
    return this.localReplies !== undefined;
  }

  /** Called by the outbox for a reply to a consumer of this process: `Delivery` applies it before the commit. */
  keepLocalReply(reply: LocalReply): void {
    this.localReplies!.push(reply);
  }

  /** The replies kept since the last call, for `Delivery` to apply in this transaction. */
  takeLocalReplies(): LocalReply[] {
    const replies = this.localReplies ?? [];
    if (replies.length === 0) return replies;
    this.localReplies = [];
    this.appliedReplies = true;
    return replies;
  }

  /** Whether replies were applied in it: if it rolls back, they may be the cause (see `Delivery.deliver`). */
  get repliedLocally(): boolean {
    return this.appliedReplies;
  }
}
