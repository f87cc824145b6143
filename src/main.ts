import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { createApp, listen } from './app.factory.js';
import { loadConfig } from './config/app-config.js';
import { releaseSignalHandlers, startEmbeddedPostgres } from './database/embedded-postgres.mjs';
import { seedDemoCatalogue } from './database/seed-demo-catalogue.js';
import { startTracing } from './observability/tracing.js';

async function main(): Promise<void> {
  releaseSignalHandlers(); // shutdown below is ours: finish the work in hand, then stop the database
  const tracing = startTracing(); // exports only when OTEL_EXPORTER_OTLP_ENDPOINT is set
  const logger = new Logger('main');
  const config = loadConfig();
  let embedded: { stop: () => Promise<void> } | undefined;
  if (!config.databaseUrl) {
    // No DATABASE_URL: a real PostgreSQL of our own, its data under DATA_DIR.
    const dataDir = `${process.env.DATA_DIR ?? '.data'}/postgres`;
    const cluster = await startEmbeddedPostgres({ dataDir });
    embedded = cluster;
    config.databaseUrl = cluster.url;
    logger.log(`embedded PostgreSQL on ${cluster.url.replace(/:[^:@/]+@/, ':***@')} (data in ${dataDir})`);
  }
  const app = await createApp(config);
  if (process.env.SEED_DEMO_DATA !== 'false') await seedDemoCatalogue(app.get(DataSource));
  await listen(app, config);
  logger.log(`HTTP on :${config.port} (Swagger UI at /docs), gRPC on :${config.grpcPort}`);
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
  console.error(error);
  process.exit(1);
});
