import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { DataSource, EntityManager } from 'typeorm';
import { connectTestDatabase } from '../../test/support/test-database.js';
import { TransactionBatcher } from './transaction-batcher.js';

describe('TransactionBatcher', () => {
  let db: DataSource;

  beforeAll(async () => {
    db = await connectTestDatabase();
    await db.query('CREATE TABLE public.batched (n int PRIMARY KEY, tx bigint NOT NULL)');
  });
  afterAll(() => db?.destroy());

  /** Records `n` with the id of the transaction that wrote it. */
  const write = (n: number) => async (tx: EntityManager) => {
    const [row]: { tx: string }[] = await tx.query('INSERT INTO public.batched (n, tx) VALUES ($1, txid_current()) RETURNING tx::text', [n]);
    return row.tx;
  };

  it('work that arrives while a batch runs shares the next transaction; alone, it runs at once', async () => {
    const batcher = new TransactionBatcher(db, 4);
    const txs = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => batcher.run(write(n))));
    // The first ran alone; the five that waited went four and one.
    expect(new Set(txs).size).toBe(3);
    expect(txs[0]).not.toBe(txs[1]);
    expect(new Set(txs.slice(1, 5)).size).toBe(1);
    expect(await db.query('SELECT count(DISTINCT tx)::int AS txs, count(*)::int AS n FROM public.batched WHERE n <= 6')).toEqual([{ txs: 3, n: 6 }]);
  });

  it('one failing unit fails alone: its batch runs again unit by unit, and what it wrote is gone', async () => {
    const batcher = new TransactionBatcher(db, 8);
    const failing = async (tx: EntityManager) => {
      await write(12)(tx);
      throw new Error('refused');
    };
    const first = batcher.run(write(10)); // runs alone; the rest queue behind it
    const outcomes = await Promise.allSettled([first, batcher.run(write(11)), batcher.run(failing), batcher.run(write(13))]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[2] as PromiseRejectedResult).reason).toEqual(new Error('refused'));
    expect(await db.query('SELECT n FROM public.batched WHERE n >= 10 ORDER BY n')).toEqual([{ n: 10 }, { n: 11 }, { n: 13 }]);
  });
});
