import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplicationContext } from '@nestjs/common';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { enqueue, messagingContext, Probe } from '../../test/support/messaging-context.js';
import { createTestDatabase } from '../../test/support/test-database.js';
import { DeliveryContext } from './delivery-context.js';
import type { Message } from './message.js';
import { MessageConsumers } from './message-consumers.js';
import { Outbox } from './outbox.js';
import { Relay } from './relay.js';

describe('relay', () => {
  let url: string;
  let a: INestApplicationContext;
  let b: INestApplicationContext;

  beforeAll(async () => {
    url = await createTestDatabase();
    a = await messagingContext(url, { batchSize: 7 });
    b = await messagingContext(url, { batchSize: 7 });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('two relays draining one outbox deliver every row exactly once, and share the work', async () => {
    const seen = { a: [] as string[], b: [] as string[] };
    // A slow consumer, so the two relays' claims overlap in time.
    const consumer = (into: string[]) => async (m: Message) => {
      await new Promise((r) => setTimeout(r, Math.random() * 3));
      into.push(m.meta.messageId);
    };
    a.get(MessageConsumers).register('probe-shared', consumer(seen.a));
    b.get(MessageConsumers).register('probe-shared', consumer(seen.b));
    const ids = await enqueue(a, 300, 'probe-shared');

    await Promise.all([a.get(Relay).drain(), b.get(Relay).drain()]);

    const delivered = [...seen.a, ...seen.b];
    expect(delivered).toHaveLength(ids.length);
    expect(new Set(delivered)).toEqual(new Set(ids));
    expect(seen.a.length).toBeGreaterThan(0);
    expect(seen.b.length).toBeGreaterThan(0);
    const [row] = await a.get(DataSource).query(
      `SELECT count(*) FILTER (WHERE processed_at IS NULL)::int AS pending, max(attempts)::int AS attempts
         FROM messaging.outbox WHERE consumer = 'probe-shared'`,
    );
    expect(row).toEqual({ pending: 0, attempts: 1 });
  });

  it('a consumer that throws leaves its row for a later attempt, with the error and a backoff', async () => {
    let calls = 0;
    a.get(MessageConsumers).register('probe-flaky', async () => {
      calls++;
      if (calls === 1) throw new Error('participant unavailable');
    });
    const [id] = await enqueue(a, 1, 'probe-flaky');
    const db = a.get(DataSource);

    await a.get(Relay).drain();
    const [failed] = await db.query(
      `SELECT processed_at, attempts, last_error, available_at > now() AS backing_off FROM messaging.outbox WHERE message_id = $1`,
      [id],
    );
    expect(failed).toEqual({ processed_at: null, attempts: 1, last_error: 'participant unavailable', backing_off: true });

    await db.query(`UPDATE messaging.outbox SET available_at = now() WHERE message_id = $1`, [id]); // the backoff is over
    await a.get(Relay).drain();
    const [done] = await db.query(`SELECT processed_at IS NOT NULL AS processed, attempts FROM messaging.outbox WHERE message_id = $1`, [id]);
    expect(done).toEqual({ processed: true, attempts: 2 });
    expect(calls).toBe(2);
  });

  it('rows waiting in one lane are delivered in one transaction per batch', async () => {
    const delivered: number[] = [];
    a.get(MessageConsumers).register('probe-batch', async (m) => void delivered.push((m as Probe).data.n));
    await enqueue(a, 20, 'probe-batch');

    await a.get(Relay).drain();

    expect(delivered).toEqual(Array.from({ length: 20 }, (_, n) => n)); // in order, each once
    // now() is the transaction's start: rows settled in one transaction share it.
    const [row] = await a.get(DataSource).query(
      `SELECT count(DISTINCT processed_at)::int AS transactions, count(*) FILTER (WHERE processed_at IS NULL)::int AS pending
         FROM messaging.outbox WHERE consumer = 'probe-batch'`,
    );
    expect(row).toEqual({ transactions: 3, pending: 0 }); // 7 + 7 + 6 rows (RELAY_BATCH_SIZE 7)
  });

  it('a message failing in a batch undoes the whole batch; the others then go alone and take effect once', async () => {
    const db = a.get(DataSource);
    await db.query('CREATE TABLE public.probe_effects (n int NOT NULL)');
    a.get(MessageConsumers).register('probe-undo', async (m, delivery) => {
      const { n } = (m as Probe).data;
      await delivery.tx.query('INSERT INTO public.probe_effects (n) VALUES ($1)', [n]);
      if (n === 3) throw new Error('probe 3 fails');
    });
    const ids = await enqueue(a, 6, 'probe-undo');

    await a.get(Relay).drain();

    const effects: { n: number; times: number }[] = await db.query('SELECT n, count(*)::int AS times FROM public.probe_effects GROUP BY n ORDER BY n');
    expect(effects).toEqual([0, 1, 2, 4, 5].map((n) => ({ n, times: 1 })));
    const rows: { message_id: string; processed: boolean; last_error: string | null }[] = await db.query(
      `SELECT message_id, processed_at IS NOT NULL AS processed, last_error FROM messaging.outbox WHERE consumer = 'probe-undo'`,
    );
    expect(rows.find((r) => r.message_id === ids[3])).toEqual({ message_id: ids[3], processed: false, last_error: 'probe 3 fails' });
    expect(rows.filter((r) => r.processed).map((r) => r.message_id).sort()).toEqual(ids.filter((_, i) => i !== 3).sort());
  });

  it('a row whose relay died mid-delivery is taken over once its lease expires', async () => {
    const delivered: string[] = [];
    a.get(MessageConsumers).register('probe-lease', async (m) => void delivered.push(m.meta.messageId));
    b.get(MessageConsumers).register('probe-lease', async (m) => void delivered.push(m.meta.messageId));
    const [id] = await enqueue(a, 1, 'probe-lease');
    const db = a.get(DataSource);
    // A relay claims the row (its lease hides it) and dies before delivering.
    await db.query(`UPDATE messaging.outbox SET attempts = 1, available_at = now() + interval '30 seconds' WHERE message_id = $1`, [id]);
    await b.get(Relay).drain();
    expect(delivered).toEqual([]);

    await db.query(`UPDATE messaging.outbox SET available_at = now() - interval '1 millisecond' WHERE message_id = $1`, [id]); // lease expired
    await b.get(Relay).drain();
    expect(delivered).toEqual([id]);
  });

  it('the outbox trigger wakes a listening relay without waiting for the poll', async () => {
    const live = await messagingContext(url, { enabled: true, pollMs: 60_000 });
    let resolveDelivered!: () => void;
    const delivered = new Promise<void>((r) => (resolveDelivered = r));
    live.get(MessageConsumers).register('probe-notify', async () => resolveDelivered());
    try {
      await new Promise((r) => setTimeout(r, 300)); // LISTEN is set up; the loop sleeps (poll is 60 s)
      const started = Date.now();
      await enqueue(a, 1, 'probe-notify'); // written by another process's outbox: only NOTIFY can tell
      await delivered;
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await live.close();
    }
  });

  it('rows written in a process whose relay runs are handed to it at commit: leased at once, no claim needed', async () => {
    const live = await messagingContext(url, { enabled: true, pollMs: 60_000 });
    const delivered: string[] = [];
    live.get(MessageConsumers).register('probe-handoff', async (m) => void delivered.push(m.meta.messageId));
    try {
      const [id] = await enqueue(live, 1, 'probe-handoff');
      await live.get(Relay).drain(); // waits for the handed-over delivery to be settled
      expect(delivered).toEqual([id]);
      const [row] = await live.get(DataSource).query(
        `SELECT attempts, processed_at IS NOT NULL AS processed,
                available_at >= created_at + interval '25 seconds' AS leased_when_written
           FROM messaging.outbox WHERE message_id = $1`,
        [id],
      );
      expect(row).toEqual({ attempts: 1, processed: true, leased_when_written: true });
    } finally {
      await live.close();
    }
  });

  it('a reply sent while a relay delivers is kept for that transaction only if its consumer runs in this process', async () => {
    a.get(MessageConsumers).register('probe-local', async () => undefined); // only `a` has it
    const outbox = a.get(Outbox);
    const local = new Probe({ n: 1 }, { recipient: 'probe-local' });
    const remote = new Probe({ n: 2 }, { recipient: 'probe-elsewhere' }); // a consumer of another process
    const kept = await a.get(DataSource).transaction(async (tx) => {
      const delivery = new DeliveryContext(tx, [], true); // as a delivery makes it
      await outbox.add(delivery, [local, remote]);
      return delivery.takeLocalReplies().map((reply) => reply.message.meta.messageId);
    });
    expect(kept).toEqual([local.meta.messageId]);
    const rows: { id: string; processed: boolean }[] = await a.get(DataSource).query(
      `SELECT message_id::text AS id, processed_at IS NOT NULL AS processed FROM messaging.outbox WHERE message_id = ANY($1)`,
      [[local.meta.messageId, remote.meta.messageId]],
    );
    expect(Object.fromEntries(rows.map((r) => [r.id, r.processed]))).toEqual({ [local.meta.messageId]: true, [remote.meta.messageId]: false });
    await a.get(DataSource).query('UPDATE messaging.outbox SET processed_at = now() WHERE message_id = $1', [remote.meta.messageId]); // nobody will take it
  });

  it('the outbox trigger does not wake relays for a row written already processed', async () => {
    const listener = new pg.Client({ connectionString: url });
    await listener.connect();
    const woken: string[] = [];
    listener.on('notification', (n) => woken.push(n.channel));
    try {
      await listener.query('LISTEN outbox');
      const insert = (processed: boolean) =>
        a.get(DataSource).query(
          `INSERT INTO messaging.outbox (message_id, consumer, destination, type, payload, meta, processed_at)
           VALUES (gen_random_uuid(), 'probe-none', 'probe-none', 'test.Probe', '{}', '{}', CASE WHEN $1 THEN now() END)`,
          [processed],
        );
      // A notification of a committed transaction reaches a listener before the answer to its next query.
      await insert(true);
      await listener.query('SELECT 1');
      expect(woken).toEqual([]);
      await insert(false);
      await listener.query('SELECT 1');
      expect(woken).toEqual(['outbox']);
    } finally {
      await a.get(DataSource).query(`UPDATE messaging.outbox SET processed_at = now() WHERE consumer = 'probe-none'`);
      await listener.end();
    }
  });
});
