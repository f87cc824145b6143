import type { QueryRunner } from 'typeorm';

/**
 * Adopting databases migrated before migrations were split per module.
 *
 * Those builds ran one `InitialSchema1763800000000` that created the schema of every module at
 * once. Its per-module equivalents below create the same tables, one module each; a database that
 * has the combined one has all of them already, whatever modules its processes host. So, where the
 * combined migration is recorded, its equivalents are recorded as applied (not run), and the
 * migrations after it, which kept their names, follow as usual. Runs under the migration lock.
 */
const COMBINED = 'InitialSchema1763800000000';
export const SPLIT_FROM_COMBINED = [
  'MessagingSchema1763800000000',
  'SagaSchema1763800000000',
  'OrderSchema1763800000000',
  'InventorySchema1763800000000',
  'PaymentSchema1763800000000',
];

/** The migrations a database has, plus those its combined initial schema stands for: what counts as applied. */
export function withAdopted(recorded: ReadonlySet<string>): Set<string> {
  return recorded.has(COMBINED) ? new Set([...recorded, ...SPLIT_FROM_COMBINED]) : new Set(recorded);
}

/** Records the equivalents of the combined initial schema as applied, where it ran; returns the names recorded. */
export async function adoptCombinedSchema(q: QueryRunner, recorded: ReadonlySet<string>): Promise<string[]> {
  if (!recorded.has(COMBINED)) return [];
  const missing = SPLIT_FROM_COMBINED.filter((name) => !recorded.has(name));
  for (const name of missing) {
    await q.query(`INSERT INTO public.migrations ("timestamp", "name") VALUES ($1, $2)`, [Number(name.slice(-13)), name]);
  }
  return missing;
}
