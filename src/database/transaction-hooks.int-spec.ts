import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { DataSource, EntityManager } from 'typeorm';
import { connectTestDatabase } from '../../test/support/test-database.js';
import { execute, statement } from './prepared.js';
import { beforeCommit, flushGathered, gathered } from './transaction-hooks.js';

const INSERT = statement('INSERT INTO public.hooked (label) SELECT jsonb_array_elements_text($1::jsonb)');

describe('beforeCommit', () => {
  let db: DataSource;

  beforeAll(async () => {
    db = await connectTestDatabase();
    await db.query('CREATE TABLE public.hooked (label text PRIMARY KEY)');
  });
  afterAll(() => db?.destroy());

  const labels = async () => ((await db.query('SELECT label FROM public.hooked ORDER BY label')) as { label: string }[]).map((r) => r.label);
  /** A gathered write, as the outbox and the saga engine make them: its parameters built, then sent. */
  const gather = (tx: EntityManager, key: string, items: unknown[]) => beforeCommit(tx, key, items, (all) => execute(tx, INSERT, [JSON.stringify(all)]));

  it('writes what a transaction gathered just before its commit, in one statement per key', async () => {
    await db.transaction(async (tx) => {
      await gather(tx, 'a', ['a1']);
      await gather(tx, 'a', ['a2']);
      await gather(tx, 'b', ['b1']);
      expect(await labels()).toEqual([]); // not yet
    });
    expect(await labels()).toEqual(['a1', 'a2', 'b1']);
  });

  it('a gathered write that cannot even be sent (its parameters do not serialize) rolls the whole transaction back', async () => {
    const attempt = db.transaction(async (tx) => {
      await tx.query(`INSERT INTO public.hooked (label) VALUES ('alongside')`);
      await gather(tx, 'first', ['sent-before']); // sent, then undone with the rest
      await gather(tx, 'second', [{ amount: 1n }]); // JSON.stringify throws: a BigInt
    });
    await expect(attempt).rejects.toThrow('BigInt');
    expect(await labels()).not.toEqual(expect.arrayContaining(['alongside']));
    expect(await labels()).not.toEqual(expect.arrayContaining(['sent-before']));
  });

  it('a gathered write that PostgreSQL refuses rolls the whole transaction back, and the commit throws its error', async () => {
    await db.query(`INSERT INTO public.hooked (label) VALUES ('taken')`);
    const attempt = db.transaction(async (tx) => {
      await tx.query(`INSERT INTO public.hooked (label) VALUES ('beside-a-duplicate')`);
      await gather(tx, 'dup', ['taken']);
    });
    await expect(attempt).rejects.toThrow('duplicate key');
    expect(await labels()).not.toContain('beside-a-duplicate');
  });

  it('writes what was gathered under one key early when asked, so the transaction reads it back; what is gathered later waits for the commit', async () => {
    const seen = await db.transaction(async (tx) => {
      const inTx = async () => ((await tx.query('SELECT label FROM public.hooked WHERE label LIKE $1 ORDER BY label', ['early%'])) as { label: string }[]).map((r) => r.label);
      await gather(tx, 'early', ['early1', 'early2']);
      await gather(tx, 'other', ['early-other']);
      const before = { pending: [...gathered(tx, 'early')], rows: await inTx() };
      await flushGathered(tx, 'early');
      const after = { pending: [...gathered(tx, 'early')], rows: await inTx() };
      await gather(tx, 'early', ['early3']);
      return { before, after, later: await inTx() };
    });
    expect(seen).toEqual({
      before: { pending: ['early1', 'early2'], rows: [] },
      after: { pending: [], rows: ['early1', 'early2'] }, // the other key still waits
      later: ['early1', 'early2'],
    });
    expect((await labels()).filter((l) => l.startsWith('early'))).toEqual(['early-other', 'early1', 'early2', 'early3']);
  });

  it('refuses an async flush, which could fail only after the COMMIT was sent', async () => {
    await expect(db.transaction((tx) => beforeCommit(tx, 'async', [1], async () => undefined))).rejects.toThrow('must not be async');
  });
});
