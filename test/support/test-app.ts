import type { INestApplication } from '@nestjs/common';
import pg from 'pg';
import type { DestinationStream } from 'pino';
import { createApp, listen } from '../../src/app.factory.js';
import { type AppConfig, loadConfig } from '../../src/config/app-config.js';
import { freePort } from '../../src/database/embedded-postgres.mjs';
import { Relay } from '../../src/messaging/relay.js';
import { createTestDatabase } from './test-database.js';
import { waitFor } from './wait-for.js';

export interface TestApp {
  app: INestApplication;
  config: AppConfig;
  /** The app's HTTP server, for supertest. */
  http: ReturnType<INestApplication['getHttpServer']>;
  /** A plain connection to the app's database, for asserting on rows. */
  sql: pg.Pool;
  /** Waits until the relay has delivered everything due (the saga's whole chain). */
  drain: () => Promise<void>;
  /** Waits until a saga reaches one of `statuses`; returns its status. Retries and timers run by themselves meanwhile. */
  waitForSaga: (sagaId: string, statuses?: string[]) => Promise<string>;
  close: () => Promise<void>;
}

/**
 * For suites about a mechanism of the engine, the messaging or the deployment (retries, timeouts,
 * redelivery, local replies, retention, process boundaries) whose expectations name the steps of
 * the order saga v1 (reserve, charge, confirm). v1 is a supported version (a rolling upgrade runs
 * on it), and these mechanisms do not depend on the saga's shape; the default, v2, is tested
 * through the same mechanisms in order-saga-v2, saga-parallel, crash-recovery and the suites that
 * follow an order end to end (orders, grpc, metrics, tracing, logging, webhooks, atomicity).
 */
export const ORDER_SAGA_V1 = { PLACE_ORDER_SAGA_VERSION: '1' } as const;

/**
 * The real app (same factory as main.ts) on a fresh database, listening on free ports.
 * The background relay runs as in production; `drain()` lets a test wait without sleeping.
 */
export async function startTestApp(
  overrides: { env?: Record<string, string>; databaseUrl?: string; grpc?: boolean; logStream?: DestinationStream } = {},
): Promise<TestApp> {
  const databaseUrl = overrides.databaseUrl ?? (await createTestDatabase());
  const config: AppConfig = {
    ...loadConfig({ LOG_LEVEL: 'error', ...overrides.env }),
    databaseUrl,
    host: '127.0.0.1',
    grpcHost: '127.0.0.1',
    port: 0,
    grpcPort: overrides.grpc === false ? 0 : await freePort(),
  };
  const app = await createApp(config, overrides.logStream);
  await listen(app, config);
  const sql = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  sql.on('error', () => undefined); // an idle connection killed by a test (pg_terminate_backend)
  const relay = app.get(Relay);
  return {
    app,
    config,
    http: app.getHttpServer(),
    sql,
    drain: () => relay.drain(),
    waitForSaga: (sagaId, statuses = ['COMPLETED', 'COMPENSATED', 'FAILED']) =>
      waitFor(`saga ${sagaId} to be ${statuses.join('|')}`, async () => {
        await relay.drain();
        const { rows } = await sql.query('SELECT status FROM saga.saga_instances WHERE id = $1', [sagaId]);
        return statuses.includes(rows[0]?.status) ? (rows[0].status as string) : undefined;
      }),
    close: async () => {
      await app.close();
      await sql.end();
    },
  };
}
