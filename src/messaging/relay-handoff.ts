import { Injectable } from '@nestjs/common';
import type { OutboxDelivery } from './outbox.js';

/** The relay of this process, as the outbox sees it: how long to lease new rows to it, and where they go once committed. */
export interface HandoffReceiver {
  leaseMs: number;
  accept(rows: OutboxDelivery[]): void;
}

/**
 * The hand-over of new outbox rows to the relay of this process, without a claim: while the relay
 * runs, the outbox writes the rows it can deliver already leased to it, and hands them over once
 * their transaction commits (see `Outbox`). The relay opens it when it starts and closes it when
 * it stops; both depend on this one object, so neither reaches into the other.
 */
@Injectable()
export class RelayHandoff {
  private current?: HandoffReceiver;

  open(receiver: HandoffReceiver): void {
    this.current = receiver;
  }

  close(): void {
    this.current = undefined;
  }

  /**
   * The relay to lease rows written now to, if one runs. A row keeps the receiver it was written
   * for: a relay that stopped before the commit releases what it is handed then.
   */
  get receiver(): HandoffReceiver | undefined {
    return this.current;
  }
}
