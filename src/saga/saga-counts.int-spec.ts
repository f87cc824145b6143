import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { DataSource } from 'typeorm';
import { connectTestDatabase } from '../../test/support/test-database.js';
import { ListSagasHandler, listSagasQuery } from './get-saga.handler.js';
import { SagaStatusCounts1765400000000 } from './migrations/1765400000000-saga-status-counts.js';
import { SagaCounts } from './saga-counts.js';
import type { ListSagas } from './saga.messages.js';

const STATUSES = ['STARTED', 'RUNNING', 'COMPLETED', 'COMPENSATING', 'COMPENSATED', 'FAILED'];

/** Inserts `n` sagas of `type` in `status`, created a second apart going back from `until` seconds ago. */
const insertSagas = (db: Pick<DataSource, 'query'>, n: number, type: string, status: string, until = 0) =>
  db.query(
    `INSERT INTO saga.saga_instances (id, type, status, step_index, current_step, data, created_at)
     SELECT gen_random_uuid(), $2, $3, 0, 'step', '{}', now() - ($4 + i) * interval '1 second' FROM generate_series(1, $1::int) AS i`,
    [n, type, status, until],
  );

/** Counting the table, and the kept counts, in one snapshot: they must be equal whenever it runs. */
async function bothCounts(db: DataSource): Promise<{ counted: Record<string, number>; kept: Record<string, number> }> {
  const runner = db.createQueryRunner();
  await runner.startTransaction('REPEATABLE READ');
  try {
    const rows: { type: string; status: string; n: number }[] = await runner.query('SELECT type, status, count(*)::int AS n FROM saga.saga_instances GROUP BY 1, 2');
    const byKey = (rs: { type: string; status: string; n: number }[]) => Object.fromEntries(rs.map((r) => [`${r.type}/${r.status}`, r.n]).sort());
    const counted = byKey(rows);
    const kept = byKey(await new SagaCounts(db).read(runner.manager));
    return { counted, kept };
  } finally {
    await runner.commitTransaction();
    await runner.release();
  }
}

describe('saga counts and lists on large tables', () => {
  let db: DataSource;
  let counts: SagaCounts;

  beforeAll(async () => {
    db = await connectTestDatabase();
    counts = new SagaCounts(db);
    await insertSagas(db, 20_000, 'place-order', 'COMPLETED', 100);
    await insertSagas(db, 2_000, 'place-order', 'COMPENSATED', 100);
    await insertSagas(db, 30, 'place-order', 'FAILED', 50);
    await insertSagas(db, 200, 'other', 'COMPLETED', 0);
    await db.query('ANALYZE saga.saga_instances');
  });
  afterAll(() => db?.destroy());

  it.each<[string, Partial<ListSagas['filter']>]>([
    ['newest first', {}],
    ['by status', { status: 'COMPENSATED' }],
    ['by type', { type: 'other' }],
    ['by status and type', { status: 'COMPLETED', type: 'place-order' }],
  ])('pages %s by an index, never sorting every saga that matches', async (_, filter) => {
    for (const after of [null, { at: new Date(Date.now() - 60_000).toISOString(), id: '00000000-0000-4000-8000-000000000000' }]) {
      const [sql, params] = listSagasQuery(db, { limit: 50, ...filter }, after).getQueryAndParameters();
      const plan = (await db.query(`EXPLAIN ${sql}`, params)).map((r: { 'QUERY PLAN': string }) => r['QUERY PLAN']).join('\n');
      expect(plan).toMatch(/Index Scan( Backward)? using saga_instances_(newest|status_newest|type_newest)/);
      expect(plan).not.toMatch(/Sort|Seq Scan/);
    }
  });

  it('pages through sagas created in one millisecond without skipping any', async () => {
    await db.query(`INSERT INTO saga.saga_instances (id, type, status, step_index, current_step, data, created_at)
      SELECT gen_random_uuid(), 'same-ms', 'COMPLETED', 0, 'step', '{}', timestamptz '2026-01-01 00:00:00.123' + i * interval '1 microsecond' FROM generate_series(1, 7) AS i`);
    const handler = new ListSagasHandler(db);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await handler.execute({ filter: { type: 'same-ms', limit: 2, cursor } });
      seen.push(...page.items.map((s) => s.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toHaveLength(7);
    expect(new Set(seen).size).toBe(7);
    await db.query(`DELETE FROM saga.saga_instances WHERE type = 'same-ms'`);
  });

  it('counts exactly at every moment, with writers, rollbacks, purges and several folds at once', async () => {
    await counts.fold();
    let writing = true;
    // Several instances' engines: sagas start, change status (a few roll back), finished ones are purged.
    const writer = async (w: number) => {
      for (let round = 0; round < 15; round++) {
        await db.transaction(async (tx) => {
          await insertSagas(tx, 5, `w${w % 2}`, 'STARTED');
          await tx.query(`UPDATE saga.saga_instances SET status = 'RUNNING' WHERE id IN (SELECT id FROM saga.saga_instances WHERE type = $1 AND status = 'STARTED' FOR UPDATE SKIP LOCKED)`, [`w${w % 2}`]);
          await tx.query(`UPDATE saga.saga_instances SET status = $2 WHERE id IN (SELECT id FROM saga.saga_instances WHERE type = $1 AND status = 'RUNNING' LIMIT 3 FOR UPDATE SKIP LOCKED)`, [
            `w${w % 2}`,
            STATUSES[(round + w) % STATUSES.length],
          ]);
          // No status change: counts nothing.
          await tx.query(`UPDATE saga.saga_instances SET version = version + 1 WHERE id IN (SELECT id FROM saga.saga_instances WHERE type = $1 LIMIT 10 FOR UPDATE SKIP LOCKED)`, [`w${w % 2}`]);
          await tx.query(`UPDATE saga.saga_instances SET status = status WHERE id IN (SELECT id FROM saga.saga_instances WHERE type = $1 LIMIT 10 FOR UPDATE SKIP LOCKED)`, [`w${w % 2}`]);
        });
        await db
          .transaction(async (tx) => {
            await insertSagas(tx, 3, `w${w % 2}`, 'RUNNING');
            throw new Error('rolled back');
          })
          .catch(() => undefined);
        await db.query(`DELETE FROM saga.saga_instances WHERE id IN (SELECT id FROM saga.saga_instances WHERE type = $1 AND status = 'COMPLETED' LIMIT 2 FOR UPDATE SKIP LOCKED)`, [`w${w % 2}`]);
      }
    };
    const folder = async () => {
      while (writing) await counts.fold();
    };
    const mismatches: object[] = [];
    const watcher = async () => {
      while (writing) {
        const both = await bothCounts(db);
        if (JSON.stringify(both.kept) !== JSON.stringify(both.counted)) mismatches.push(both);
      }
    };
    const background = [folder(), folder(), watcher()];
    try {
      await Promise.all([0, 1, 2, 3].map(writer));
    } finally {
      writing = false;
      await Promise.allSettled(background);
    }
    await Promise.all(background);
    expect(mismatches).toEqual([]);
    const { counted, kept } = await bothCounts(db);
    expect(kept).toEqual(counted);
    await counts.fold();
    expect((await db.query('SELECT count(*)::int AS n FROM saga.status_count_changes'))[0].n).toBe(0);
    expect(await bothCounts(db)).toEqual({ counted, kept: counted });
  });

  it('the migration counts the sagas a database already has', async () => {
    const migration = new SagaStatusCounts1765400000000();
    const runner = db.createQueryRunner();
    try {
      await migration.down(runner);
      await insertSagas(db, 40, 'before-counts', 'COMPENSATED');
      await migration.up(runner);
    } finally {
      await runner.release();
    }
    const { counted, kept } = await bothCounts(db);
    expect(counted['before-counts/COMPENSATED']).toBe(40);
    expect(kept).toEqual(counted);
  });
});
