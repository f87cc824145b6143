import pg from 'pg';

/**
 * Every object the migrations make in the app's schemas (all but PostgreSQL's own and `public`,
 * where TypeORM keeps its migrations table), described as `pg_dump --schema-only` would: schemas,
 * columns in order with types, defaults and nullability, constraints, indexes, functions and
 * triggers. Two databases with equal snapshots have the same schema.
 */
export async function snapshotSchema(url: string): Promise<Record<string, string[]>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const ours = `NOT IN ('pg_catalog', 'information_schema', 'public', 'pg_toast')`;
  const list = async (sql: string) => (await client.query<{ d: string }>(sql)).rows.map((r) => r.d);
  try {
    return {
      schemas: await list(`SELECT nspname AS d FROM pg_namespace WHERE nspname ${ours} AND nspname NOT LIKE 'pg_%' ORDER BY 1`),
      columns: await list(
        `SELECT format('%s.%s #%s %s %s %s default %s', table_schema, table_name, ordinal_position, column_name,
                       format_type(a.atttypid, a.atttypmod), CASE WHEN a.attnotnull THEN 'NOT NULL' ELSE 'NULL' END, column_default) AS d
           FROM information_schema.columns c
           JOIN pg_attribute a ON a.attrelid = format('%I.%I', table_schema, table_name)::regclass AND a.attname = c.column_name
          WHERE table_schema ${ours} ORDER BY 1`,
      ),
      constraints: await list(
        `SELECT format('%s %s %s', conrelid::regclass, conname, pg_get_constraintdef(oid)) AS d
           FROM pg_constraint WHERE connamespace::regnamespace::text ${ours} ORDER BY 1`,
      ),
      indexes: await list(`SELECT indexdef AS d FROM pg_indexes WHERE schemaname ${ours} ORDER BY 1`),
      functions: await list(
        `SELECT pg_get_functiondef(p.oid) AS d FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname ${ours} ORDER BY 1`,
      ),
      triggers: await list(`SELECT pg_get_triggerdef(oid) AS d FROM pg_trigger WHERE NOT tgisinternal AND tgrelid::regclass::text NOT LIKE 'public.%' ORDER BY 1`),
    };
  } finally {
    await client.end();
  }
}
