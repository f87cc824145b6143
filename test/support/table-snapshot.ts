import type pg from 'pg';

/** The schemas the app owns: every table in them is part of a snapshot. */
const SCHEMAS = ['orders', 'inventory', 'payment', 'shipping', 'saga', 'messaging'];

/**
 * Every table of the app's schemas as a row count and a digest of its rows: two snapshots are
 * equal only when no row was added, removed or changed in any table.
 */
export async function snapshotTables(sql: pg.Pool): Promise<Record<string, string>> {
  const { rows: tables } = await sql.query<{ name: string }>(
    `SELECT format('%I.%I', table_schema, table_name) AS name FROM information_schema.tables
      WHERE table_schema = ANY($1) AND table_type = 'BASE TABLE' ORDER BY 1`,
    [SCHEMAS],
  );
  if (tables.length === 0) throw new Error('no tables to snapshot');
  const parts = tables.map(({ name }) => `SELECT '${name}' AS name, count(*) || ':' || coalesce(md5(string_agg(t::text, ',' ORDER BY t::text)), '') AS digest FROM ${name} t`);
  const { rows } = await sql.query<{ name: string; digest: string }>(parts.join(' UNION ALL '));
  return Object.fromEntries(rows.map((r) => [r.name, r.digest]));
}
