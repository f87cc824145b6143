import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A small run of `npm run bench` (50 orders): it works end to end and every run passes its
 * consistency check. No speed threshold: speed is measured by `npm run bench`, not asserted here.
 * DBOS is left to the full benchmark, which installs it on first use (bench/package.json).
 * Of the split deployments, gRPC runs here (three processes and databases, a few seconds more);
 * split-rabbitmq differs from it only by the transport, which test/split-modules covers, and would
 * make this test depend on the broker.
 */
describe('benchmark smoke run', () => {
  it('runs the project, the project split over gRPC and the baseline over 50 orders and a short sustained run, writes its report, and every run is consistent', () => {
    const out = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
    const run = spawnSync(process.execPath, [fileURLToPath(new URL('../bench/run.mjs', import.meta.url))], {
      env: { ...process.env, DATABASE_URL: '', BENCH_ORDERS: '50', BENCH_CONCURRENCY: '1,8', BENCH_IMPLS: 'project,split-grpc,baseline', BENCH_OUT: out, BENCH_STATS_WAIT_MS: '0', BENCH_SUSTAIN_S: '3' },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect({ status: run.status, output: run.status === 0 ? '' : `${run.stdout.slice(-1500)}\n${run.stderr.slice(-1500)}` }).toEqual({ status: 0, output: '' });
    const report = JSON.parse(readFileSync(join(out, readdirSync(out).find((f) => f.endsWith('.json'))!), 'utf8'));
    expect(report.results.map((r: { impl: string; concurrency: number }) => `${r.impl}@${r.concurrency}`)).toEqual(['project@1', 'project@8', 'split-grpc@1', 'split-grpc@8', 'baseline@1', 'baseline@8']);
    for (const r of report.results) {
      expect(r).toMatchObject({ orders: 50, consistent: true, broken: [] });
      expect(r.sagasPerSecond).toBeGreaterThan(0);
      expect(r.p99).toBeGreaterThanOrEqual(r.p50);
    }
    // The sustained run samples the app's memory and the outbox every second, and settles it.
    expect(report.sustained).toMatchObject({ seconds: 3, consistent: true, owedAtEnd: 0 });
    expect(report.sustained.samples.length).toBeGreaterThanOrEqual(2);
    expect(report.sustained.rssEndMiB).toBeGreaterThan(0);
    expect(Number.isFinite(report.sustained.rssPeakGrowth) && Number.isFinite(report.sustained.rssFloorGrowth)).toBe(true);
    const markdown = readFileSync(join(out, 'latest.md'), 'utf8');
    expect(markdown).toContain('| project / baseline | 8 |');
    expect(markdown).toContain('| split-grpc / project | 8 |');
    expect(markdown).toContain('Sustained: the project at c=16 for 3 s');
  }, 150_000);
});
