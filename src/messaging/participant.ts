import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { DeliveryContext } from './delivery-context.js';
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
   *
   * `delivery`: the context of the relay's delivery of `command` (`DeliveryContext.of(command)`),
   * whose transaction the work joins, with the rows and replies it commits; undefined for a
   * direct call, which gets a transaction of its own.
   */
  async answer<R extends Message>(consumer: string, command: Message, delivery: DeliveryContext | undefined, work: (tx: EntityManager) => Promise<R>): Promise<R> {
    // Injected latency (off unless configured) before any transaction opens: a relay delivering
    // the command has served it before opening the one this joins; a direct call waits here.
    if (!delivery) await this.faults.delay([command.type]);
    this.faults.failIfInjected(command, delivery); // off unless configured: a technical failure before any effect
    const answer = async (tx: EntityManager) => {
      const scope = delivery ?? tx;
      const firstTime = await this.inbox.markApplied(scope, consumer, command);
      const reply = (await work(tx)).causedBy(command);
      if (firstTime) await this.outbox.add(scope, reply);
      return reply;
    };
    return delivery ? answer(delivery.tx) : this.db.transaction(answer);
  }
}
