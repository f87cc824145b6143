import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { inTransaction, sharesTransaction } from '../database/shared-transaction.js';
import { FaultInjector } from './fault-injector.js';
import { Inbox } from './inbox.js';
import type { Message } from './message.js';
import { Outbox } from './outbox.js';

/** How every participant answers a command: once in effect, the same answer however often asked. */
@Injectable()
export class Participant {
  constructor(
    private readonly db: DataSource,
    private readonly inbox: Inbox,
    private readonly outbox: Outbox,
    private readonly faults: FaultInjector,
  ) {}

  /**
   * Runs `work` for `command` in one transaction with the inbox record and returns its reply.
   * `work` must be idempotent and derive its reply from the state: a repeated command (a
   * redelivery, a retry with the same message id, a second gRPC call) runs it again to get the
   * same answer, but only the first delivery sends the reply, in the same commit.
   */
  async answer<R extends Message>(consumer: string, command: Message, work: (tx: EntityManager) => Promise<R>): Promise<R> {
    // Injected latency (off unless configured) before any transaction opens: a relay delivering
    // the command has served it before opening the one this joins; a direct call waits here.
    if (!sharesTransaction()) await this.faults.delay([command.type]);
    this.faults.failIfInjected(command); // off unless configured: a technical failure before any effect
    return inTransaction(this.db, async (tx) => {
      const firstTime = await this.inbox.markApplied(tx, consumer, command);
      const reply = (await work(tx)).causedBy(command);
      if (firstTime) await this.outbox.add(tx, reply);
      return reply;
    });
  }
}
