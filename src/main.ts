import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { createApp, listen } from './app.factory.js';
import { loadConfig } from './config/app-config.js';
import { ConfigError } from './config/env-reader.js';
import { releaseSignalHandlers, startEmbeddedPostgres } from './database/embedded-postgres.mjs';
import { seedDemoCatalogue } from './database/seed-demo-catalogue.js';
import { startTracing } from './observability/tracing.js';

async function main(): Promise<void> {
  const config = loadConfig(); // refuses to start on a bad setting, before anything else runs
  releaseSignalHandlers(); // shutdown below is ours: finish the work in hand, then stop the database
  const tracing = startTracing(); // exports only when OTEL_EXPORTER_OTLP_ENDPOINT is set
  const logger = new Logger('main');
  let embedded: { stop: () => Promise<void> } | undefined;
  if (!config.databaseUrl) {
    // No DATABASE_URL: a real PostgreSQL of our own, its data under DATA_DIR.
    const dataDir = `${config.dataDir}/postgres`;
    const cluster = await startEmbeddedPostgres({ dataDir });
    embedded = cluster;
    config.databaseUrl = cluster.url;
    logger.log(`embedded PostgreSQL on ${cluster.url.replace(/:[^:@/]+@/, ':***@')} (data in ${dataDir})`);
  }
  const app = await createApp(config);
  if (config.seedDemoData && config.modules.includes('inventory')) await seedDemoCatalogue(app.get(DataSource)); // the catalogue is inventory's
  await listen(app, config);
  const grpc = config.grpcPort > 0 ? `, gRPC on ${config.grpcHost}:${config.grpcPort}${config.security.grpcTls ? ' (TLS)' : ''}` : '';
  const keys = config.security.apiKeys.length;
  const access =
    keys > 0
      ? `${keys} API keys`
      : config.security.allowUnauthenticated
        ? 'no API keys, ALLOW_UNAUTHENTICATED=true: open to anyone who reaches it'
        : 'no API keys: local callers only (protected mode)';
  logger.log(`HTTP on ${config.host}:${config.port} (Swagger UI at /docs)${grpc}; ${access}`);
  // On SIGTERM/SIGINT: stop taking work, finish what is in hand, close; the embedded postgres last.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      logger.log(`${signal}: shutting down`);
      void app
        .close()
        .then(() => tracing.shutdown())
        .then(() => embedded?.stop())
        .finally(() => process.exit(0));
    });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error); // a setting to fix, not a bug: no stack
  process.exit(1);
});
