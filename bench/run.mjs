#!/usr/bin/env node
// `npm run bench`: the order saga several ways, one after the other, on one PostgreSQL server and
// the same data, each at several concurrencies with 10% of orders declined and compensated. Three
// layers, so the cost of each is a number:
//   through HTTP: the project in one process through its HTTP API (`project`); a straight-line
//     `pg` baseline with one outbox row per step (`baseline-http`) and a DBOS Transact workflow
//     (`dbos-http`), each behind a minimal node:http service in a process of its own that answers
//     201 at once and runs the saga in the background, as the project does. One driver for all
//     three: the same request body, keep-alive agent and completion signal (the order row's NOTIFY).
//   engine only, no HTTP: the project's app built but not listening, orders sent over the IPC
//     channel to its command bus (`project-engine`); the baseline and DBOS called in the driver's
//     own process (`baseline-engine`, `dbos-engine`).
//   split, through HTTP: the project over three processes and databases (order and saga,
//     inventory, payment), talking over gRPC (`split-grpc`) or RabbitMQ (`split-rabbitmq`).
// Reports sagas/s, latency from request to terminal state, commits and SQL statements per saga,
// CPU per saga (the run's: app, driver and database; the app's processes'; the database's);
// ratios come from the same run. Every run must pass its consistency check, or its figures are
// void. Writes JSON, Markdown
// and an SVG chart (sagas/s and p99 against concurrency) to bench/results/, and latest.md/.svg.
//
//   BENCH_ORDERS (5000)  BENCH_CONCURRENCY (1,16,64)
//   BENCH_IMPLS (project,baseline-http,dbos-http,project-engine,baseline-engine,dbos-engine,
//   split-grpc,split-rabbitmq; split-rabbitmq needs the broker at RABBITMQ_URL, else
//   amqp://guest:guest@127.0.0.1:5672, and fails if it does not answer)
//   BENCH_TOP_STATEMENTS=1 (the statements sent most)  BENCH_PROFILE_DIR (a CPU profile of the app)
//   BENCH_STATS_WAIT_MS (10500: how long idle backends take to report their statistics)
//   BENCH_SUSTAIN_S (60; 0 skips): then the project runs that long at c=16, sampling its memory (RSS)
//   and the rows its outbox still owes every second: both must stay flat
//   BENCH_ORDER_SAGA_VERSION (1): the order saga the project's orders run; 1 (reserve, charge,
//   confirm) is the process the baseline and DBOS implement, 2 is the app's default (twice the messages)
//   DATABASE_URL (else an embedded PostgreSQL; the server needs pg_stat_statements preloaded)
//   BENCH_HISTORY=<n> (0): one more row, project-history, after project: the project on a database
//   first filled with n finished sagas and all they leave behind (bench/impl/history.mjs), with the
//   dashboard's reads and the table sizes before and after its passes, and its ratios to project
import { execSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { releaseSignalHandlers, startEmbeddedPostgres } from '../src/database/embedded-postgres.mjs';
import { baselineSaga } from './impl/baseline.mjs';
import { httpSaga, listenForDoneOrders, spawnChild } from './impl/driver.mjs';
import { fillHistory, historyMarkdown, measureHistory } from './impl/history.mjs';
import { projectRun, startProject, startProjectEngine } from './impl/project.mjs';
import { chartSvg, LAYERS, markdownReport, sustainedLine, tableOf } from './impl/report.mjs';
import { BENCH_SCHEMA, checkBench } from './impl/schema.mjs';
import { startSplit } from './impl/split.mjs';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const ORDERS = Number(process.env.BENCH_ORDERS ?? 5000);
const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? '1,16,64').split(',').map(Number);
const IMPLS = (process.env.BENCH_IMPLS ?? 'project,baseline-http,dbos-http,project-engine,baseline-engine,dbos-engine,split-grpc,split-rabbitmq').split(',');
const SUSTAIN_S = Number(process.env.BENCH_SUSTAIN_S ?? 60);
const POOL = 16; // 64 connections were slower than 16 for every implementation here
const OUT = process.env.BENCH_OUT ?? join(HERE, 'results');
const HISTORY = Number(process.env.BENCH_HISTORY ?? 0);
if (HISTORY > 0 && !IMPLS.includes('project-history')) IMPLS.splice(IMPLS.indexOf('project') + 1, 0, 'project-history');
let history; // BENCH_HISTORY's fill and reads

/** Order i: 10% above the decline limit (compensated), the rest confirmed. */
const orderFor = (i) => (i % 10 === 0 ? { productId: 'bench_grinder', quantity: 1, price: '600.00' } : { productId: 'bench_beans', quantity: 1, price: '5.00' });

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Runs `total` sagas with `concurrency` at once; returns wall time and each saga's latency. */
async function drive(label, total, concurrency, saga) {
  const latencies = [];
  let next = 0;
  const started = performance.now();
  const progress = setInterval(() => {
    const s = (performance.now() - started) / 1000;
    process.stderr.write(`\r  ${label}: ${latencies.length}/${total} (${(latencies.length / s).toFixed(0)}/s)   `);
  }, 1000);
  try {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < total) {
          const i = next++;
          const t0 = performance.now();
          await saga(orderFor(i));
          latencies.push(performance.now() - t0);
        }
      }),
    );
  } finally {
    clearInterval(progress);
    process.stderr.write('\r' + ' '.repeat(60) + '\r');
  }
  return { seconds: (performance.now() - started) / 1000, latencies: latencies.sort((a, b) => a - b) };
}

const TICK_MS = 10; // Linux reports CPU time in clock ticks of 1/100 s

/** A process's resident memory, in MiB. */
function rssMiB(pid) {
  const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return kb ? Number(kb[1]) / 1024 : NaN;
}

/**
 * Runs sagas at `concurrency` for `seconds`, sampling every second the app's RSS and the rows its
 * outbox still owes. RSS is compared from the end of the first 10 s (warmed up) to the end.
 */
async function sustain(run, seconds, concurrency) {
  const samples = [];
  const started = performance.now();
  let next = 0;
  let done = 0;
  const sampler = setInterval(() => {
    run.owed().then((owed) => {
      samples.push({ s: Math.round((performance.now() - started) / 1000), rssMiB: rssMiB(run.pid), owed });
      process.stderr.write(`\r  project sustained: ${samples.at(-1).s}/${seconds} s, ${done} sagas, RSS ${samples.at(-1).rssMiB.toFixed(0)} MiB, outbox owes ${owed}   `);
    }, () => undefined);
  }, 1000);
  try {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() - started < seconds * 1000) {
          await run.saga(orderFor(next++));
          done++;
        }
      }),
    );
  } finally {
    clearInterval(sampler);
    process.stderr.write('\r' + ' '.repeat(90) + '\r');
  }
  await run.settle();
  // RSS saws up and down with garbage collection, so one sample says little: compare the first
  // and second half after a 10 s warm-up by their peaks and by their floors (after a collection).
  const warmedUp = samples.filter((x) => x.s >= 10);
  const warm = warmedUp.length >= 2 ? warmedUp : samples; // a short run (the smoke test) has no warm-up
  const half = Math.max(1, Math.floor(warm.length / 2));
  const [first, second] = [warm.slice(0, half), warm.slice(half).length > 0 ? warm.slice(half) : warm];
  const peak = (xs) => Math.max(...xs.map((x) => x.rssMiB));
  const floor = (xs) => Math.min(...xs.map((x) => x.rssMiB));
  return {
    seconds,
    concurrency,
    sagas: done,
    sagasPerSecond: done / seconds,
    rssStartMiB: warm[0].rssMiB,
    rssEndMiB: samples.at(-1).rssMiB,
    rssMaxMiB: Math.max(...samples.map((x) => x.rssMiB)),
    rssPeakGrowth: peak(second) / peak(first) - 1,
    rssFloorGrowth: floor(second) / floor(first) - 1,
    owedMax: Math.max(...samples.map((x) => x.owed)),
    owedAtEnd: await run.owed(),
    samples,
  };
}

/** The fields of /proc/<pid>/stat after the command name (which may hold spaces); undefined once it is gone. */
function statOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** utime + stime of a process and of its reaped children (the 12th to 15th fields), in ms; 0 once it is gone. */
function processCpuMs(pid) {
  const f = statOf(pid);
  return f ? (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * TICK_MS : 0;
}

function commOf(pid) {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return ''; // gone meanwhile
  }
}

/**
 * The processes of the PostgreSQL server the run uses: its postmaster (the parent of `backendPid`;
 * its reaped children's CPU is its own) and every child of it. The machine is shared, often with
 * other servers: those are left out. A server whose processes this one cannot see (another
 * container) falls back to every process named postgres.
 */
function databaseProcesses(postmaster) {
  const all = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  if (!postmaster) return all.filter((p) => commOf(p) === 'postgres');
  return [postmaster, ...all.filter((p) => statOf(p)?.[1] === postmaster)];
}

/**
 * CPU time so far, in ms: the whole machine's busy time; `pids`' summed (the app's); `pids` and
 * this driver's together, without counting one twice; the database server's.
 */
function cpuMs(pids, postmaster) {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = ticks;
  const sum = (ps) => ps.reduce((total, p) => total + processCpuMs(p), 0);
  return {
    machine: (user + nice + system + irq + softirq + steal) * TICK_MS,
    process: sum(pids),
    withDriver: sum([...new Set([...pids, process.pid])]),
    database: sum(databaseProcesses(postmaster)),
  };
}

/** The postmaster's pid of the server `admin` is connected to, if this process can see it. */
async function postmasterOf(admin) {
  const { rows } = await admin.query('SELECT pg_backend_pid() AS pid');
  const parent = statOf(rows[0].pid)?.[1];
  return parent && commOf(parent) === 'postgres' ? parent : undefined;
}

/**
 * Commits and top-level statements in the databases `dbs` so far, summed. A backend that stays
 * connected and idle reports its statistics within 10 s, so this waits that long first.
 */
async function dbStats(admin, dbs) {
  await new Promise((r) => setTimeout(r, Number(process.env.BENCH_STATS_WAIT_MS ?? 10_500)));
  const { rows } = await admin.query(
    `SELECT (SELECT coalesce(sum(xact_commit), 0) FROM pg_stat_database WHERE datname = ANY($1))::bigint AS commits,
            (SELECT coalesce(sum(calls), 0) FROM pg_stat_statements WHERE dbid IN (SELECT oid FROM pg_database WHERE datname = ANY($1)))::bigint AS statements`,
    [dbs],
  );
  return { commits: Number(rows[0].commits), statements: Number(rows[0].statements) };
}

/**
 * Each implementation: its layer, and how to set it up on its own database `url` (and any more it
 * asks `database(suffix)` for), run one concurrency, check, tear down. `pids`: the processes whose
 * CPU is the app's (this one when absent: the engine-only baseline and DBOS run inside the driver).
 */
const IMPLEMENTATIONS = {
  project: {
    layer: 'http',
    async start(url) {
      return projectRun(await startProject(url), allModulesOn(url));
    },
  },
  'project-history': {
    layer: 'http',
    async start(url) {
      const run = await IMPLEMENTATIONS.project.start(url);
      history = { fill: await fillHistory(url, HISTORY) };
      history.before = await measureHistory(url);
      return run;
    },
  },
  'baseline-http': { layer: 'http', start: (url) => handWrittenOverHttp('baseline', url) },
  'dbos-http': {
    layer: 'http',
    async start(url) {
      await ensureBenchInstalled();
      return handWrittenOverHttp('dbos', url);
    },
  },
  'project-engine': {
    layer: 'engine',
    async start(url) {
      return projectRun(await startProjectEngine(url), allModulesOn(url));
    },
  },
  'baseline-engine': {
    layer: 'engine',
    async start(url) {
      const db = pool(url, POOL);
      await setUpBenchSchema(db);
      return { saga: (order) => baselineSaga(db, order), settle: async () => {}, check: () => checkBench(db), stop: () => db.end() };
    },
  },
  'dbos-engine': {
    layer: 'engine',
    async start(url) {
      await ensureBenchInstalled();
      const { launchDbos, shutdownDbos, dbosSaga } = await import('./impl/dbos.mjs');
      const db = pool(url, POOL);
      await setUpBenchSchema(db);
      await launchDbos(url, db, POOL);
      return {
        saga: dbosSaga,
        settle: async () => {},
        check: () => checkBench(db),
        async stop() {
          await shutdownDbos();
          await db.end();
        },
      };
    },
  },
  'split-grpc': { layer: 'split', start: (url, database) => startSplit('grpc', url, database) },
  'split-rabbitmq': { layer: 'split', start: (url, database) => startSplit('rabbitmq', url, database) },
};

const allModulesOn = (url) => ({ order: url, saga: url, inventory: url, payment: url, shipping: url, notification: url });

/**
 * The baseline or the DBOS workflow (`kind`) behind its minimal HTTP service (bench/impl/service.mjs)
 * in a process of its own on `url`, driven and awaited as the project is.
 */
async function handWrittenOverHttp(kind, url) {
  const db = pool(url, 2);
  await setUpBenchSchema(db);
  let service;
  let listener;
  try {
    service = await spawnChild(join(HERE, 'impl/service.mjs'), [kind], { DATABASE_URL: url, BENCH_POOL: String(POOL) }, `the ${kind} service`);
    listener = await listenForDoneOrders(url, 'bench.orders');
  } catch (error) {
    await service?.stop();
    await db.end();
    throw error;
  }
  void service.exited.then((code) => {
    if (!service.stopping()) listener.fail(new Error(`the ${kind} service exited during the run (${code})`));
  });
  return {
    pid: service.pid,
    pids: [service.pid],
    saga: httpSaga(`http://127.0.0.1:${service.ready}/orders`, listener),
    /** Until the service runs no saga (DBOS records the workflow's end after the order's). */
    settle: () => service.request({ settle: true }),
    check: () => checkBench(db),
    async stop() {
      await listener.stop();
      await service.stop();
      await db.end();
    },
  };
}

/** BENCH_TOP_STATEMENTS=1: the statements an implementation sends most, per saga (for profiling). */
async function printTopStatements(admin, dbs, orders) {
  const { rows } = await admin.query(
    `SELECT calls, round(total_exec_time::numeric, 1) AS ms, round(total_plan_time::numeric, 1) AS plan_ms, left(regexp_replace(query, '\\s+', ' ', 'g'), 120) AS query
       FROM pg_stat_statements WHERE dbid IN (SELECT oid FROM pg_database WHERE datname = ANY($1)) ORDER BY calls DESC LIMIT 25`,
    [dbs],
  );
  console.log('  calls/saga   exec ms   plan ms  statement');
  for (const r of rows) console.log(`${(Number(r.calls) / orders).toFixed(2).padStart(7)}/saga ${String(r.ms).padStart(9)} ${String(r.plan_ms).padStart(9)}  ${r.query}`);
  await admin.query('SELECT pg_stat_statements_reset()');
}

/** A pool whose idle connections may be dropped (the server stops last) without crashing the run. */
function pool(url, max) {
  const p = new pg.Pool({ connectionString: url, max });
  p.on('error', (error) => console.error(`pool: ${error.message}`));
  return p;
}

/** Drops and creates database `name` on the server at `serverUrl`; returns its URL. */
async function freshDatabase(admin, serverUrl, name) {
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function setUpBenchSchema(db) {
  await db.query(BENCH_SCHEMA);
  await db.query(`INSERT INTO bench.products (id, price, available, stocked) VALUES
    ('bench_beans', 5.00, 10000000, 10000000), ('bench_grinder', 600.00, 10000000, 10000000)`);
}

/** DBOS lives in bench/'s own package.json so the main install stays lean: installed on first use. */
async function ensureBenchInstalled() {
  if (existsSync(join(HERE, 'node_modules/@dbos-inc/dbos-sdk'))) return;
  process.stderr.write('installing the benchmark dependencies (bench/package.json)…\n');
  execSync('npm ci --no-audit --no-fund', { cwd: HERE, stdio: 'inherit' });
}

async function startServer() {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, stop: async () => {} };
  const dataDir = join(mkdtempSync(join(tmpdir(), 'saga-bench-')), 'pg');
  return startEmbeddedPostgres({
    dataDir,
    persistent: false,
    // Statements are counted as clients send them (top level), for every implementation alike.
    settings: { shared_preload_libraries: 'pg_stat_statements', max_connections: '300', 'pg_stat_statements.max': '10000', 'pg_stat_statements.track_planning': 'on' },
  });
}

async function main() {
  releaseSignalHandlers(); // keep our exit code; the cluster is stopped below
  const server = await startServer();
  const admin = new pg.Client({ connectionString: server.url });
  admin.on('error', (error) => console.error(`admin connection: ${error.message}`));
  await admin.connect();
  await admin.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  const postmaster = await postmasterOf(admin);
  const results = [];
  let sustained;
  try {
    for (const impl of IMPLS) {
      if (!IMPLEMENTATIONS[impl]) throw new Error(`unknown implementation ${impl}: one of ${Object.keys(IMPLEMENTATIONS).join(', ')}`);
      // bench_<impl>, and bench_<impl>_<suffix> for each more it asks for: its figures sum over them all.
      const names = [];
      const database = async (suffix) => {
        const name = ['bench', impl.replaceAll('-', '_'), suffix].filter(Boolean).join('_');
        names.push(name);
        return freshDatabase(admin, server.url, name);
      };
      const { layer, start } = IMPLEMENTATIONS[impl];
      const url = await database();
      const run = await start(url, database);
      try {
        for (const concurrency of CONCURRENCY) {
          await run.saga(orderFor(1)); // warm up: connections, JIT, caches
          await run.settle();
          const before = await dbStats(admin, names);
          const cpuBefore = cpuMs(run.pids ?? [process.pid], postmaster);
          const { seconds, latencies } = await drive(`${impl} c=${concurrency}`, ORDERS, concurrency, run.saga);
          await run.settle();
          const cpuAfter = cpuMs(run.pids ?? [process.pid], postmaster);
          const after = await dbStats(admin, names);
          const stats = { commits: after.commits - before.commits, statements: after.statements - before.statements };
          if (process.env.BENCH_TOP_STATEMENTS) await printTopStatements(admin, names, ORDERS);
          const broken = await run.check();
          const result = {
            impl,
            layer,
            concurrency,
            orders: ORDERS,
            seconds,
            sagasPerSecond: ORDERS / seconds,
            p50: percentile(latencies, 50),
            p99: percentile(latencies, 99),
            commitsPerSaga: stats.commits / ORDERS,
            statementsPerSaga: stats.statements / ORDERS,
            // CPU: the run's own (the app's processes, this driver and the database server; the
            // machine is shared, so its whole busy time, kept as machineCpuMsPerSaga, counts others'
            // work too); the app's own processes summed (the split's three; for the engine-only
            // baseline and DBOS: this process, which runs them and the driver); the database's.
            cpuMsPerSaga: (cpuAfter.withDriver + cpuAfter.database - cpuBefore.withDriver - cpuBefore.database) / ORDERS,
            appCpuMsPerSaga: (cpuAfter.process - cpuBefore.process) / ORDERS,
            dbCpuMsPerSaga: (cpuAfter.database - cpuBefore.database) / ORDERS,
            machineCpuMsPerSaga: (cpuAfter.machine - cpuBefore.machine) / ORDERS,
            consistent: broken.length === 0,
            broken: broken.slice(0, 10),
          };
          results.push(result);
          console.log(`${impl} c=${concurrency}: ${result.sagasPerSecond.toFixed(0)} sagas/s, p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms, ${result.statementsPerSaga.toFixed(1)} statements/saga, CPU ${result.cpuMsPerSaga.toFixed(2)} ms/saga (app ${result.appCpuMsPerSaga.toFixed(2)}, database ${result.dbCpuMsPerSaga.toFixed(2)})${broken.length ? `, BROKEN: ${broken.join('; ')}` : ''}`);
        }
        if (impl === 'project' && SUSTAIN_S > 0) {
          sustained = await sustain(run, SUSTAIN_S, 16);
          const broken = await run.check();
          sustained.consistent = broken.length === 0;
          sustained.broken = broken.slice(0, 10);
          console.log(sustainedLine(sustained));
        }
        if (impl === 'project-history') history.after = await measureHistory(url);
      } finally {
        await run.stop();
      }
    }
  } finally {
    await admin.end();
    await server.stop();
  }
  const when = new Date().toISOString();
  const report = { when, orders: ORDERS, concurrency: CONCURRENCY, impls: IMPLS, sustainS: SUSTAIN_S, declined: '10%', node: process.version, layers: LAYERS, results, sustained, history };
  mkdirSync(OUT, { recursive: true });
  const stamp = when.replace(/[:.]/g, '-');
  const svg = chartSvg(report);
  writeFileSync(join(OUT, `${stamp}.json`), JSON.stringify(report, null, 2));
  writeFileSync(join(OUT, `${stamp}.md`), markdownReport(report, `${stamp}.svg`) + historyMarkdown(history, results));
  writeFileSync(join(OUT, `${stamp}.svg`), svg);
  writeFileSync(join(OUT, 'latest.md'), markdownReport(report, 'latest.svg') + historyMarkdown(history, results));
  writeFileSync(join(OUT, 'latest.svg'), svg);
  console.log(`\n${tableOf(report)}\n\nwritten to ${OUT} (${stamp}.json, .md, .svg; latest.md, latest.svg)`);
  if (results.some((r) => !r.consistent) || sustained?.consistent === false) {
    console.error('a consistency check failed: these figures are void');
    process.exitCode = 1;
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(2);
});
