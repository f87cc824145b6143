import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A small run of `npm run bench` (30 orders): it works end to end, writes its report (JSON,
 * Markdown, SVG chart) and every run passes its consistency check. No speed threshold: speed is
 * measured by `npm run bench`, not asserted here.
 * One row of each kind runs: the project through HTTP, the baseline behind its own HTTP service
 * (the same service and driver as dbos-http), the project's engine without HTTP, the baseline in
 * the driver's process, and the project split over gRPC (three processes and databases).
 * DBOS is left to the full benchmark, which installs it on first use (bench/package.json): its two
 * rows call the same service and in-process code with another saga function. split-rabbitmq
 * differs from split-grpc only by the transport, which test/split-modules covers, and would make
 * this test depend on the broker.
 */
describe('benchmark smoke run', () => {
  it('runs a row of each layer over 30 orders and a short sustained run, writes its report and chart, and every run is consistent', () => {
    const out = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
    const impls = ['project', 'baseline-http', 'project-engine', 'baseline-engine', 'split-grpc'];
    const run = spawnSync(process.execPath, [fileURLToPath(new URL('../bench/run.mjs', import.meta.url))], {
      env: { ...process.env, DATABASE_URL: '', BENCH_ORDERS: '30', BENCH_CONCURRENCY: '1,8', BENCH_IMPLS: impls.join(','), BENCH_OUT: out, BENCH_STATS_WAIT_MS: '0', BENCH_SUSTAIN_S: '3' },
      encoding: 'utf8',
      timeout: 240_000,
    });
    expect({ status: run.status, output: run.status === 0 ? '' : `${run.stdout.slice(-1500)}\n${run.stderr.slice(-1500)}` }).toEqual({ status: 0, output: '' });
    const files = readdirSync(out);
    const stamp = files.find((f) => f.endsWith('.json'))!.replace(/\.json$/, '');
    expect(files.sort()).toEqual([`${stamp}.json`, `${stamp}.md`, `${stamp}.svg`, 'latest.md', 'latest.svg'].sort());
    const report = JSON.parse(readFileSync(join(out, `${stamp}.json`), 'utf8'));
    expect(report.results.map((r: { impl: string; layer: string; concurrency: number }) => `${r.layer} ${r.impl}@${r.concurrency}`)).toEqual([
      'http project@1',
      'http project@8',
      'http baseline-http@1',
      'http baseline-http@8',
      'engine project-engine@1',
      'engine project-engine@8',
      'engine baseline-engine@1',
      'engine baseline-engine@8',
      'split split-grpc@1',
      'split split-grpc@8',
    ]);
    for (const r of report.results) {
      expect(r).toMatchObject({ orders: 30, consistent: true, broken: [] });
      expect(r.sagasPerSecond).toBeGreaterThan(0);
      expect(r.p99).toBeGreaterThanOrEqual(r.p50);
      // The app's processes did the work: a row whose CPU was not read (a wrong pid) shows 0.
      expect(r.appCpuMsPerSaga).toBeGreaterThan(0);
    }
    // The sustained run samples the app's memory and the outbox every second, and settles it.
    expect(report.sustained).toMatchObject({ seconds: 3, consistent: true, owedAtEnd: 0 });
    expect(report.sustained.samples.length).toBeGreaterThanOrEqual(2);
    expect(report.sustained.rssEndMiB).toBeGreaterThan(0);
    expect(Number.isFinite(report.sustained.rssPeakGrowth) && Number.isFinite(report.sustained.rssFloorGrowth)).toBe(true);

    // One table, grouped by layer, with the ratios that put a number on each layer.
    const markdown = readFileSync(join(out, 'latest.md'), 'utf8');
    const lines = markdown.split('\n');
    const at = (prefix: string) => lines.findIndex((l) => l.startsWith(prefix));
    const order = [
      '| through HTTP | project | 1 |',
      '| through HTTP | baseline-http | 8 |',
      '| engine only | project-engine | 1 |',
      '| engine only | baseline-engine | 8 |',
      '| split, through HTTP | split-grpc | 8 |',
      '| ratio: through HTTP | project / baseline-http | 8 |',
      '| ratio: engine only | project-engine / baseline-engine | 8 |',
      '| ratio: cost of HTTP | project / project-engine | 8 |',
      '| ratio: cost of HTTP | baseline-http / baseline-engine | 8 |',
      '| ratio: cost of the process boundary | split-grpc / project | 8 |',
    ].map(at);
    expect(order.every((i) => i > 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(lines.slice(order[0], order.at(-1)! + 1).every((l) => l.startsWith('| '))).toBe(true); // one table
    expect(markdown).toContain('| HTTP on the project | project against project-engine |');
    expect(markdown).toContain('| gRPC between modules (3 processes) | split-grpc against project |');
    expect(markdown).toContain('](latest.svg)');
    expect(readFileSync(join(out, `${stamp}.md`), 'utf8')).toContain(`](${stamp}.svg)`);
    expect(markdown).toContain('Sustained: the project at c=16 for 3 s');

    // The chart: two panels (sagas/s, p99), one line per row in each, a legend entry per row.
    const svg = readFileSync(join(out, 'latest.svg'), 'utf8');
    expect(readFileSync(join(out, `${stamp}.svg`), 'utf8')).toBe(svg);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<polyline /g)).toHaveLength(2 * impls.length);
    expect(svg.match(/<circle /g)).toHaveLength(2 * report.results.length);
    for (const impl of impls) expect(svg).toContain(`>${impl}</text>`);
    expect(svg).toContain('sagas/s');
    expect(svg).toContain('p99 ms');
  }, 270_000);
});
