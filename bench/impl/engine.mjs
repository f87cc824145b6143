// The project's engine alone, a child process of the benchmark (`project-engine`): the built app
// made as main.ts makes it (the same tracing, createApp, every module and its relay), initialised
// but never listening. Each order arrives as one message over the IPC channel and goes straight to
// the command bus that `POST /orders` hands it to (PlaceOrder); the answer is the order's id. So
// against the `project` row this leaves out the HTTP server and client, Nest's request pipeline
// (middleware, rate limit, guards, validation pipe, interceptors, filters) and the JSON response,
// and adds one small IPC message each way.
//   env: as the app's (DATABASE_URL, …); messages in: { n, order }, out: { ready } once, { n, id } or { n, error }
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

// The app's own copies of its packages (bench/node_modules may hold others): resolved from the project root.
const fromRoot = createRequire(new URL('../../package.json', import.meta.url));
const load = (specifier) => import(pathToFileURL(fromRoot.resolve(specifier)).href);
await load('reflect-metadata');
const { CommandBus } = await load('@nestjs/cqrs');
const { loadConfig } = await import('../../dist/src/config/app-config.js');
const { startTracing } = await import('../../dist/src/observability/tracing.js');
const { createApp } = await import('../../dist/src/app.factory.js');
const { PlaceOrder } = await import('../../dist/src/order/place-order.handler.js');

const config = loadConfig();
const tracing = startTracing();
const app = await createApp(config);
await app.init(); // the lifecycle hooks: relay, saga timers; no listener
const commands = app.get(CommandBus);

process.on('message', ({ n, order }) => {
  commands.execute(new PlaceOrder({ customerId: 'bench', items: [order] })).then(
    (result) => process.send({ n, id: result.order.id }),
    (error) => process.send({ n, error: error instanceof Error ? error.message : String(error) }),
  );
});

let closing = false;
const shutdown = () => {
  if (closing) return;
  closing = true;
  void app
    .close()
    .then(() => tracing.shutdown())
    .finally(() => process.exit(0));
};
process.once('SIGTERM', shutdown);
process.once('disconnect', shutdown); // the benchmark is gone: no orphan
process.send({ ready: true });
