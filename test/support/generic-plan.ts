import type { DataSource } from 'typeorm';
import type { Statement } from '../../src/database/prepared.js';

/**
 * The plan PostgreSQL caches for `statement` once it stops planning per call (a generic plan, for
 * any parameters), as EXPLAIN text. The parameters are left NULL: the statement is not run.
 */
export async function genericPlan(db: DataSource, { text }: Statement): Promise<string> {
  const params = Math.max(...[...text.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
  const runner = db.createQueryRunner();
  try {
    await runner.query('SET plan_cache_mode = force_generic_plan');
    await runner.query(`PREPARE plan_probe AS ${text}`);
    const rows: { 'QUERY PLAN': string }[] = await runner.query(`EXPLAIN EXECUTE plan_probe(${Array(params).fill('NULL').join(', ')})`);
    await runner.query('DEALLOCATE plan_probe');
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  } finally {
    await runner.query('RESET plan_cache_mode');
    await runner.release();
  }
}
