import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Inject, type INestApplicationContext } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { enqueue, messagingContext } from '../../test/support/messaging-context.js';
import { createTestDatabase } from '../../test/support/test-database.js';
import { waitFor } from '../../test/support/wait-for.js';
import { Metrics } from '../observability/metrics.js';
import type { DeliveryContext } from './delivery-context.js';
import { Inbox } from './inbox.js';
import { Command, type Message, registerMessages } from './message.js';
import { Outbox } from './outbox.js';
import { MessageConsumers } from './message-consumers.js';
import { Relay } from './relay.js';

interface Gate {
  /** Resolves once a consumer waits at the gate. */
  entered: Promise<void>;
  open(): void;
  /** Called by the consumer: waits until the gate opens. */
  pass(): Promise<void>;
}

/** Gates made by the current test: opened after it, so a failed test leaves no delivery held. */
const gates: Gate[] = [];

/** Holds a consumer until the test lets it go; `entered` resolves once one is waiting. */
function gate(): Gate {
  let enter!: () => void;
  let open!: () => void;
  const entered = new Promise<void>((resolve) => (enter = resolve));
  const opened = new Promise<void>((resolve) => (open = resolve));
  const made = { entered, open, pass: () => (enter(), opened) };
  gates.push(made);
  return made;
}

/** A command whose requester awaits its reply: a failure is reported to the requester (`DeliveryFailed`). */
class FenceCommand extends Command<Record<string, never>> {
  static readonly type = 'test.FenceCommand';
}
registerMessages(FenceCommand);

/** What each relay's handler of `FenceCommand` does, by the relay's name (`a` or `b`). */
const fenceCommand: Record<string, (m: FenceCommand) => Promise<void>> = {};

@CommandHandler(FenceCommand)
class FenceCommandHandler implements ICommandHandler<FenceCommand> {
  constructor(@Inject('RELAY_NAME') private readonly relay: string) {}

  execute(m: FenceCommand): Promise<void> {
    return fenceCommand[this.relay](m);
  }
}
const handlerFor = (relay: 'a' | 'b') => [FenceCommandHandler, { provide: 'RELAY_NAME', useValue: relay }];

type OutboxState = { processed: boolean; token: string | null; attempts: number; last_error: string | null; leased_long: boolean };

/**
 * Two relays on one outbox: `a` leases rows for 300 ms, `b` for 30 s. A consumer of `a` is held
 * at a gate until its lease has run out and `b` has claimed the row and is delivering it (held at
 * a gate too): `a`'s late writes must then change nothing of `b`'s.
 */
describe('fencing: a relay that lost its lease changes nothing another relay holds', () => {
  let url: string;
  let a: INestApplicationContext;
  let b: INestApplicationContext;
  let db: DataSource;

  beforeAll(async () => {
    url = await createTestDatabase();
    b = await messagingContext(url, {}, handlerFor('b'));
    db = b.get(DataSource);
    await db.query('CREATE TABLE public.fence_effects (message_id uuid NOT NULL, relay text NOT NULL)');
  });
  beforeEach(async () => {
    a = await messagingContext(url, { leaseMs: 300 }, handlerFor('a'));
  });
  afterEach(async () => {
    for (const held of gates.splice(0)) held.open();
    await b.get(Relay).drain();
    await a?.close();
  });
  afterAll(() => b?.close());

  /** A consumer whose effect is a row naming the relay, in the delivery's transaction; `inbox` records the message first. */
  const consumer = (relay: 'a' | 'b', ctx: INestApplicationContext, held: Gate, options: { inbox?: string; fails?: boolean } = {}) => async (m: Message, delivery: DeliveryContext) => {
    await held.pass();
    if (options.fails) throw new Error('the consumer failed');
    if (options.inbox && !(await ctx.get(Inbox).markApplied(delivery, options.inbox, m))) return;
    await delivery.tx.query('INSERT INTO public.fence_effects (message_id, relay) VALUES ($1, $2)', [m.meta.messageId, relay]);
  };
  const stateOf = async (id: string): Promise<OutboxState> =>
    (
      await db.query(
        `SELECT processed_at IS NOT NULL AS processed, claim_token::text AS token, attempts, last_error,
                available_at > now() + interval '10 seconds' AS leased_long
           FROM messaging.outbox WHERE message_id = $1`,
        [id],
      )
    )[0];
  const effectsOf = async (ids: string[]) =>
    (await db.query('SELECT message_id::text AS id, relay FROM public.fence_effects WHERE message_id = ANY($1) ORDER BY 1', [ids])) as { id: string; relay: string }[];
  const lostLeases = async (ctx: INestApplicationContext) =>
    Object.fromEntries((await ctx.get(Metrics).relayLostLeases.get()).values.map((v) => [v.labels.write, v.value]));
  const leaseExpired = (ids: string[]) =>
    waitFor('the lease to run out', async () => {
      const [row] = await db.query('SELECT bool_and(available_at <= now()) AS expired FROM messaging.outbox WHERE message_id = ANY($1)', [ids]);
      return row.expired ? true : undefined;
    });

  /**
   * `a` delivers `consumerName`'s only row and is held; once its lease ran out, `b` claims the
   * row and is held in turn. Returns the message id, the token `a` held, and the two deliveries.
   */
  async function leaseTakenOver(name: string, aHeld: Gate, bHeld: Gate) {
    const [id] = await enqueue(b, 1, name);
    const aDelivers = a.get(Relay).drain();
    await aHeld.entered;
    const { token: aToken } = await stateOf(id);
    await leaseExpired([id]);
    const bDelivers = b.get(Relay).drain();
    await bHeld.entered;
    const taken = await stateOf(id);
    expect(taken).toMatchObject({ processed: false, attempts: 2, leased_long: true });
    expect(taken.token).not.toBe(aToken); // b's claim wrote a token of its own
    return { id, aDelivers, bDelivers, bToken: taken.token };
  }

  it("a late settle of a consumer without an inbox rolls back its delivery: the row stays b's while b delivers, and the effect happens once, b's", async () => {
    const [aHeld, bHeld] = [gate(), gate()];
    a.get(MessageConsumers).register('fence-settle', consumer('a', a, aHeld));
    b.get(MessageConsumers).register('fence-settle', consumer('b', b, bHeld));
    const { id, aDelivers, bDelivers, bToken } = await leaseTakenOver('fence-settle', aHeld, bHeld);

    aHeld.open();
    await aDelivers; // its effect and settle roll back together
    expect(await stateOf(id)).toEqual({ processed: false, token: bToken, attempts: 2, last_error: null, leased_long: true });
    expect(await effectsOf([id])).toEqual([]);
    expect(await lostLeases(a)).toEqual({ settle: 1 });

    bHeld.open();
    await bDelivers;
    expect(await stateOf(id)).toMatchObject({ processed: true, token: bToken, last_error: null });
    expect(await effectsOf([id])).toEqual([{ id, relay: 'b' }]);
  });

  it("a late settle through the consumer's inbox aborts its transaction before any effect: no inbox record, b applies the message once", async () => {
    const [aHeld, bHeld] = [gate(), gate()];
    a.get(MessageConsumers).register('fence-inbox', consumer('a', a, aHeld, { inbox: 'fence-inbox' }));
    b.get(MessageConsumers).register('fence-inbox', consumer('b', b, bHeld, { inbox: 'fence-inbox' }));
    const { id, aDelivers, bDelivers, bToken } = await leaseTakenOver('fence-inbox', aHeld, bHeld);
    const inboxOf = async () => (await db.query(`SELECT count(*)::int AS n FROM messaging.inbox WHERE consumer = 'fence-inbox' AND message_id = $1`, [id]))[0].n;

    aHeld.open();
    await aDelivers;
    expect(await stateOf(id)).toEqual({ processed: false, token: bToken, attempts: 2, last_error: null, leased_long: true });
    expect(await inboxOf()).toBe(0);
    expect(await lostLeases(a)).toEqual({ settle: 1 });

    bHeld.open();
    await bDelivers;
    expect(await stateOf(id)).toMatchObject({ processed: true, token: bToken });
    expect(await inboxOf()).toBe(1);
    expect(await effectsOf([id])).toEqual([{ id, relay: 'b' }]);
  });

  it("a late reschedule after a failure changes nothing of b's lease: no error recorded, not due again", async () => {
    const [aHeld, bHeld] = [gate(), gate()];
    a.get(MessageConsumers).register('fence-reschedule', consumer('a', a, aHeld, { fails: true }));
    b.get(MessageConsumers).register('fence-reschedule', consumer('b', b, bHeld));
    const { id, aDelivers, bDelivers, bToken } = await leaseTakenOver('fence-reschedule', aHeld, bHeld);

    aHeld.open();
    await aDelivers;
    expect(await stateOf(id)).toEqual({ processed: false, token: bToken, attempts: 2, last_error: null, leased_long: true });
    expect(await lostLeases(a)).toEqual({ reschedule: 1 });

    bHeld.open();
    await bDelivers;
    expect(await stateOf(id)).toEqual({ processed: true, token: bToken, attempts: 2, last_error: null, leased_long: true });
    expect(await effectsOf([id])).toEqual([{ id, relay: 'b' }]);
  });

  it("a late dead-lettering after its last attempt failed leaves b's delivery alone: not dead, no error, b's effect", async () => {
    await a.close();
    a = await messagingContext(url, { leaseMs: 300, maxAttempts: 1 }, handlerFor('a')); // a's first failure is its last
    const [aHeld, bHeld] = [gate(), gate()];
    a.get(MessageConsumers).register('fence-dead', consumer('a', a, aHeld, { fails: true }));
    b.get(MessageConsumers).register('fence-dead', consumer('b', b, bHeld));
    const { id, aDelivers, bDelivers, bToken } = await leaseTakenOver('fence-dead', aHeld, bHeld);
    const deadOf = async () => (await db.query('SELECT dead_at IS NOT NULL AS dead FROM messaging.outbox WHERE message_id = $1', [id]))[0].dead as boolean;

    aHeld.open();
    await aDelivers;
    expect(await stateOf(id)).toEqual({ processed: false, token: bToken, attempts: 2, last_error: null, leased_long: true });
    expect(await deadOf()).toBe(false);
    expect(await lostLeases(a)).toEqual({ 'dead-letter': 1 });

    bHeld.open();
    await bDelivers;
    expect(await stateOf(id)).toMatchObject({ processed: true, token: bToken, last_error: null });
    expect(await deadOf()).toBe(false);
    expect(await effectsOf([id])).toEqual([{ id, relay: 'b' }]);
  });

  it("a late failure report of a command changes nothing of b's delivery: not settled, no DeliveryFailed sent to its requester", async () => {
    const [aHeld, bHeld] = [gate(), gate()];
    fenceCommand.a = async () => {
      await aHeld.pass();
      throw new Error('the handler failed');
    };
    fenceCommand.b = async () => bHeld.pass();
    const command = new FenceCommand({}, { replyTo: 'fence-requester' });
    await db.transaction((tx) => b.get(Outbox).add(tx, command));
    const id = command.meta.messageId;
    const aDelivers = a.get(Relay).drain();
    await aHeld.entered;
    await leaseExpired([id]);
    const bDelivers = b.get(Relay).drain();
    await bHeld.entered;
    const { token: bToken } = await stateOf(id);
    const reports = async () => (await db.query(`SELECT count(*)::int AS n FROM messaging.outbox WHERE type = 'messaging.DeliveryFailed' AND meta->>'causationId' = $1`, [id]))[0].n;

    aHeld.open();
    await aDelivers;
    expect(await stateOf(id)).toEqual({ processed: false, token: bToken, attempts: 2, last_error: null, leased_long: true });
    expect(await reports()).toBe(0);
    expect(await lostLeases(a)).toEqual({ 'settle-failed': 1 });

    bHeld.open();
    await bDelivers;
    expect(await stateOf(id)).toMatchObject({ processed: true, token: bToken, last_error: null });
    expect(await reports()).toBe(0);
  });

  it("a late release of rows queued when the relay stops leaves b's lease on them", async () => {
    const [aHeld, bHeld] = [gate(), gate()];
    a.get(MessageConsumers).register('fence-release', consumer('a', a, aHeld));
    b.get(MessageConsumers).register('fence-release', consumer('b', b, bHeld));
    const [first] = await enqueue(b, 1, 'fence-release');
    const aFirst = a.get(Relay).drain();
    await aHeld.entered;
    const [queued] = await enqueue(b, 1, 'fence-release');
    const aQueued = a.get(Relay).drain(); // claimed, and queued behind the first in its lane
    await waitFor('the second claim', async () => ((await stateOf(queued)).attempts === 1 ? true : undefined));
    await leaseExpired([first, queued]);
    const bDelivers = b.get(Relay).drain(); // takes both
    await bHeld.entered;
    const bHolds = await stateOf(queued);

    const stopped = a.get(Relay).stop(); // releases the queued row, then waits for the first
    await waitFor('the release', async () => ((await lostLeases(a)).release === 1 ? true : undefined));
    expect(await stateOf(queued)).toEqual(bHolds);
    aHeld.open();
    await Promise.all([stopped, aFirst, aQueued]);
    expect(await lostLeases(a)).toEqual({ release: 1, settle: 1 });

    bHeld.open();
    await bDelivers;
    expect(await effectsOf([first, queued])).toEqual([{ id: first, relay: 'b' }, { id: queued, relay: 'b' }].sort((x, y) => x.id.localeCompare(y.id)));
  });
});
