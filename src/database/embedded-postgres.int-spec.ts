import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { startEmbeddedPostgres } from './embedded-postgres.mjs';

/** The client address PostgreSQL sees for a connection to `url`: null over a Unix socket. */
async function clientAddress(url: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ a: string | null }>('SELECT host(inet_client_addr()) AS a')).rows[0].a;
  } finally {
    await client.end();
  }
}

describe('embedded PostgreSQL', () => {
  const root = mkdtempSync(join(tmpdir(), 'saga-embedded-'));
  let cluster: { url: string; stop: () => Promise<void> };

  beforeAll(async () => {
    cluster = await startEmbeddedPostgres({ dataDir: join(root, 'pg'), persistent: false });
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('is reached through its Unix socket, by pg and by TypeORM; TCP on loopback stays open', async () => {
    expect(new URL(cluster.url).searchParams.get('host')).toBe(join(root, 'pg'));
    expect(await clientAddress(cluster.url)).toBeNull();
    const db = await new DataSource({ type: 'postgres', url: cluster.url }).initialize();
    try {
      expect(await db.query('SELECT host(inet_client_addr()) AS a')).toEqual([{ a: null }]);
    } finally {
      await db.destroy();
    }
    const tcp = new URL(cluster.url);
    tcp.searchParams.delete('host');
    expect(await clientAddress(tcp.toString())).toBe('127.0.0.1');
  });
});
