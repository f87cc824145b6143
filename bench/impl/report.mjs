// The benchmark's report: one Markdown table with every row grouped by layer (through HTTP,
// engine only, split) and the ratios below it, what each layer costs, the targets, and an SVG
// chart (sagas/s and p99 against concurrency, one line per row) written by hand: no dependency.

/** The layers, in the order the report shows them, and what each row's figures include. */
export const LAYERS = {
  http: 'through HTTP',
  engine: 'engine only',
  split: 'split, through HTTP',
};

const LAYER_NOTES = [
  '**through HTTP**: one driver for the three rows: the project\'s request body, POSTed with `node:http` and one keep-alive agent; the service answers 201 with the order\'s id once the order is durable and runs the saga in the background; done when the order row turns CONFIRMED or CANCELLED (a trigger NOTIFYs the driver). `project`: the built app (`dist/src/main.js`) with its whole request pipeline. `baseline-http`, `dbos-http`: a minimal `node:http` service in a process of its own (`bench/impl/service.mjs`) around the same functions as the engine-only rows. App CPU: that one serving process.',
  '**engine only**: no HTTP. `project-engine`: the app built as `main.ts` builds it but not listening (`bench/impl/engine.mjs`); each order one IPC message to its command bus (`PlaceOrder`, as `POST /orders` sends it; no validation pipe, guards, interceptors or JSON response), done by the same NOTIFY; app CPU: that process. `baseline-engine`, `dbos-engine`: plain function calls inside the driver, done when the call returns (no trigger); app CPU: the driver\'s process, so it includes the driver\'s own loop.',
  '**split, through HTTP**: the project over three processes, each with a database of its own (order, saga, shipping and notification in the front, which serves the API; inventory; payment), reached over gRPC or RabbitMQ; driven like `project`; commits, statements and app CPU summed over the three.',
];

/** Ratios shown, by group: [numerator, denominator]. */
const RATIOS = [
  ['through HTTP', [['project', 'baseline-http'], ['project', 'dbos-http']]],
  ['engine only', [['project-engine', 'baseline-engine'], ['project-engine', 'dbos-engine']]],
  ['cost of HTTP', [['project', 'project-engine'], ['baseline-http', 'baseline-engine'], ['dbos-http', 'dbos-engine']]],
  ['cost of the process boundary', [['split-grpc', 'project'], ['split-rabbitmq', 'project']]],
];

/** What a layer adds: [label, with it, without it]. */
const LAYER_COSTS = [
  ['HTTP on the project', 'project', 'project-engine'],
  ['HTTP on the baseline', 'baseline-http', 'baseline-engine'],
  ['HTTP on DBOS', 'dbos-http', 'dbos-engine'],
  ['gRPC between modules (3 processes)', 'split-grpc', 'project'],
  ['RabbitMQ between modules (3 processes)', 'split-rabbitmq', 'project'],
];

const fixed = (v, digits) => (Number.isFinite(v) ? v.toFixed(digits) : '—');
const ratio = (a, b) => (Number.isFinite(a / b) ? `${(a / b).toFixed(2)}x` : '—');
const pct = (x) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
const layerOrder = (r) => Object.keys(LAYERS).indexOf(r.layer);

/** The results grouped by layer, each group in the order it ran. */
const grouped = (results) => results.map((r, i) => [r, i]).sort(([a, i], [b, j]) => layerOrder(a) - layerOrder(b) || i - j).map(([r]) => r);

function finder(results) {
  return (impl, c) => results.find((r) => r.impl === impl && r.concurrency === c);
}

/** The one table: every row by layer, then the ratios by group. */
export function tableOf({ results, concurrency }) {
  const of = finder(results);
  const rows = grouped(results).map(
    (r) =>
      `| ${LAYERS[r.layer] ?? r.layer} | ${r.impl} | ${r.concurrency} | ${fixed(r.sagasPerSecond, 0)} | ${fixed(r.p50, 1)} | ${fixed(r.p99, 1)} | ${fixed(r.commitsPerSaga, 1)} | ${fixed(r.statementsPerSaga, 1)} | ${fixed(r.cpuMsPerSaga, 2)} | ${fixed(r.appCpuMsPerSaga, 2)} | ${fixed(r.dbCpuMsPerSaga, 2)} | ${r.consistent ? 'ok' : 'BROKEN'} |`,
  );
  const ratios = RATIOS.flatMap(([group, pairs]) =>
    pairs.flatMap(([a, b]) =>
      concurrency.flatMap((c) => {
        const [x, y] = [of(a, c), of(b, c)];
        if (!x || !y) return [];
        const cols = ['sagasPerSecond', 'p50', 'p99', 'commitsPerSaga', 'statementsPerSaga', 'cpuMsPerSaga', 'appCpuMsPerSaga', 'dbCpuMsPerSaga'].map((k) => ratio(x[k], y[k]));
        return [`| ratio: ${group} | ${a} / ${b} | ${c} | ${cols.join(' | ')} | |`];
      }),
    ),
  );
  return [
    '| layer | implementation | concurrency | sagas/s | p50 ms | p99 ms | commits/saga | statements/saga | CPU ms/saga (app, driver, database) | app CPU ms/saga | database CPU ms/saga | check |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    ...ratios,
  ].join('\n');
}

/** What each layer adds per saga: app CPU (ms) and the throughput it leaves (x). */
function layerCosts({ results, concurrency }) {
  const of = finder(results);
  const rows = LAYER_COSTS.flatMap(([label, withIt, without]) => {
    const cells = concurrency.map((c) => {
      const [x, y] = [of(withIt, c), of(without, c)];
      if (!x || !y) return '';
      const added = x.appCpuMsPerSaga - y.appCpuMsPerSaga;
      return `${added >= 0 ? '+' : ''}${added.toFixed(2)} ms, ${ratio(x.sagasPerSecond, y.sagasPerSecond)} sagas/s`;
    });
    return cells.some(Boolean) ? [`| ${label} | ${withIt} against ${without} | ${cells.join(' | ')} |`] : [];
  });
  if (rows.length === 0) return '';
  return [
    'What each layer costs: the app CPU it adds per saga (ms), and the throughput with it against without it.',
    '',
    `| layer | rows | ${concurrency.map((c) => `c=${c}`).join(' | ')} |`,
    `| --- | --- | ${concurrency.map(() => '---').join(' | ')} |`,
    ...rows,
  ].join('\n');
}

const met = (ok) => (ok ? 'met' : '**not met**');

/** The issue's targets, read from this run (ratios from one run, never timed tests). */
function targets({ results }) {
  const of = finder(results);
  const lines = [];
  for (const c of [16, 64]) {
    const p = of('project', c);
    if (!p) continue;
    const parts = [];
    const base = of('baseline-http', c);
    if (base) parts.push(`${ratio(p.sagasPerSecond, base.sagasPerSecond)} baseline-http's sagas/s (at least 1.0x: ${met(p.sagasPerSecond >= base.sagasPerSecond)})`);
    const dbos = of('dbos-http', c);
    if (dbos) parts.push(`${ratio(p.sagasPerSecond, dbos.sagasPerSecond)} dbos-http's (at least 3x: ${met(p.sagasPerSecond >= 3 * dbos.sagasPerSecond)})`);
    if (base && c === 16) parts.push(`p99 ${p.p99.toFixed(1)} ms against baseline-http's ${base.p99.toFixed(1)} (no worse: ${met(p.p99 <= base.p99)})`);
    if (parts.length) lines.push(`- c=${c}: the project ${parts.join('; ')}.`);
  }
  const one = of('project', 1);
  if (one) lines.push(`- c=1: p50 ${one.p50.toFixed(1)} ms (under 10: ${met(one.p50 < 10)}), p99 ${one.p99.toFixed(1)} ms (under 25: ${met(one.p99 < 25)}).`);
  return lines.length ? ['Targets, from this run:', '', ...lines].join('\n') : '';
}

export function sustainedLine(s) {
  return (
    `Sustained: the project at c=${s.concurrency} for ${s.seconds} s, ${s.sagasPerSecond.toFixed(0)} sagas/s; app RSS ${s.rssStartMiB.toFixed(0)} MiB after 10 s, ` +
    `${s.rssEndMiB.toFixed(0)} MiB at the end, max ${s.rssMaxMiB.toFixed(0)}; second half against first: peak ${pct(s.rssPeakGrowth)}, floor ${pct(s.rssFloorGrowth)}; outbox rows owed: at most ${s.owedMax}, ` +
    `${s.owedAtEnd} once settled; check ${s.consistent ? 'ok' : `BROKEN: ${s.broken.join('; ')}`}.`
  );
}

/** The command that makes a run like `report`. */
export function commandOf({ orders, concurrency, impls, sustainS }) {
  return `BENCH_ORDERS=${orders} BENCH_CONCURRENCY=${concurrency.join(',')}${impls ? ` BENCH_IMPLS=${impls.join(',')}` : ''}${sustainS !== undefined ? ` BENCH_SUSTAIN_S=${sustainS}` : ''} npm run bench`;
}

/** The Markdown report; `chart` is the file name of its SVG, beside it. */
export function markdownReport(report, chart) {
  return [
    `# Benchmark ${report.when}`,
    `${report.orders} orders per run, 10% declined and compensated; \`${commandOf(report)}\` (Node ${report.node}).`,
    `![sagas/s and p99 against concurrency, one line per row](${chart})`,
    LAYER_NOTES.map((n) => `- ${n}`).join('\n'),
    tableOf(report),
    layerCosts(report),
    targets(report),
    report.sustained ? sustainedLine(report.sustained) : '',
  ]
    .filter(Boolean)
    .join('\n\n')
    .concat('\n');
}

// ---- the chart ----

const COLOURS = { project: '#1f77b4', baseline: '#ff7f0e', dbos: '#2ca02c', 'split-grpc': '#9467bd', 'split-rabbitmq': '#8c564b' };
const DASHES = { http: '', engine: '7 4', split: '2 3' };
const colourOf = (impl) => COLOURS[impl] ?? COLOURS[impl.split('-')[0]] ?? '#7f7f7f';
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const round = (v) => Math.round(v * 10) / 10;

/** A round step at or above `v` (1, 2, 2.5 or 5 times a power of ten). */
function niceStep(v) {
  if (!(v > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 2.5, 5, 10].map((m) => m * power).find((n) => n >= v);
}

const label = (t) => (Number.isInteger(t) ? String(t) : String(Math.round(t * 100) / 100));

/**
 * One panel: `series` ([{ impl, layer, points: [[concurrency, value]] }]) against concurrency
 * (evenly spaced, in the order run), value on a linear scale from 0 or a log scale.
 */
function panel({ x, y, width, height, title, unit, log, series, concurrency }) {
  const values = series.flatMap((s) => s.points.map(([, v]) => v)).filter((v) => Number.isFinite(v) && v > 0);
  const out = [`<text x="${x + width / 2}" y="${y - 14}" text-anchor="middle" font-weight="bold">${esc(title)}</text>`];
  let scale;
  let ticks;
  if (log) {
    const lo = Math.floor(Math.log10(values.length ? Math.min(...values) : 1));
    const hi = Math.max(lo + 1, Math.ceil(Math.log10(values.length ? Math.max(...values) : 10)));
    scale = (v) => y + height - ((Math.log10(v) - lo) / (hi - lo)) * height;
    ticks = [];
    for (let e = lo; e <= hi; e++) for (const m of hi - lo <= 2 ? [1, 2, 5] : [1]) if (m * 10 ** e <= 10 ** hi) ticks.push(m * 10 ** e);
  } else {
    const step = niceStep((values.length ? Math.max(...values) : 1) / 5);
    const top = step * Math.max(1, Math.ceil((values.length ? Math.max(...values) : 1) / step));
    scale = (v) => y + height - (v / top) * height;
    ticks = Array.from({ length: Math.round(top / step) + 1 }, (_, i) => i * step);
  }
  for (const t of ticks) {
    const ty = round(scale(t));
    out.push(`<line x1="${x}" y1="${ty}" x2="${x + width}" y2="${ty}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${x - 6}" y="${ty + 4}" text-anchor="end">${label(t)}</text>`);
  }
  const step = width / concurrency.length;
  const xOf = (c) => round(x + step * (concurrency.indexOf(c) + 0.5));
  for (const c of concurrency) out.push(`<text x="${xOf(c)}" y="${y + height + 16}" text-anchor="middle">${c}</text>`);
  out.push(`<text x="${x + width / 2}" y="${y + height + 34}" text-anchor="middle">concurrency</text>`);
  out.push(`<text x="${x - 44}" y="${y + height / 2}" text-anchor="middle" transform="rotate(-90 ${x - 44} ${y + height / 2})">${esc(unit)}</text>`);
  out.push(`<rect x="${x}" y="${y}" width="${width}" height="${height}" fill="none" stroke="#999"/>`);
  for (const s of series) {
    const pts = s.points.filter(([c, v]) => concurrency.includes(c) && Number.isFinite(v) && v > 0).map(([c, v]) => [xOf(c), round(scale(v)), c, v]);
    const colour = colourOf(s.impl);
    if (pts.length > 1) {
      const dash = DASHES[s.layer] ? ` stroke-dasharray="${DASHES[s.layer]}"` : '';
      out.push(`<polyline fill="none" stroke="${colour}" stroke-width="2"${dash} points="${pts.map(([px, py]) => `${px},${py}`).join(' ')}"/>`);
    }
    for (const [px, py, c, v] of pts) out.push(`<circle cx="${px}" cy="${py}" r="3" fill="${colour}"><title>${esc(`${s.impl} c=${c}: ${v.toFixed(1)} ${unit}`)}</title></circle>`);
  }
  return out.join('\n');
}

/** The chart of `report`: sagas/s (left) and p99 latency (right, log scale) against concurrency, one line per row. */
export function chartSvg(report) {
  const rows = grouped(report.results);
  const impls = [...new Set(rows.map((r) => r.impl))];
  const series = (key) => impls.map((impl) => {
    const mine = rows.filter((r) => r.impl === impl);
    return { impl, layer: mine[0].layer, points: mine.map((r) => [r.concurrency, r[key]]) };
  });
  const concurrency = report.concurrency;
  const perLine = 4;
  const legendRows = Math.ceil(impls.length / perLine) + 1;
  const [width, plotTop, plotHeight] = [960, 60, 280];
  const height = plotTop + plotHeight + 60 + legendRows * 22 + 10;
  const entry = (i, colour, layer, text) => {
    const lx = 70 + (i % perLine) * 220;
    const ly = plotTop + plotHeight + 62 + Math.floor(i / perLine) * 22;
    const dash = DASHES[layer] ? ` stroke-dasharray="${DASHES[layer]}"` : '';
    return `<line x1="${lx}" y1="${ly}" x2="${lx + 28}" y2="${ly}" stroke="${colour}" stroke-width="2"${dash}/><text x="${lx + 34}" y="${ly + 4}">${esc(text)}</text>`;
  };
  const legend = impls.map((impl, i) => entry(i, colourOf(impl), rows.find((r) => r.impl === impl).layer, impl));
  // The last line says what the dashes mean: the layer.
  const layers = Object.keys(LAYERS).filter((layer) => rows.some((r) => r.layer === layer));
  const firstOfLast = (legendRows - 1) * perLine;
  legend.push(...layers.map((layer, i) => entry(firstOfLast + i, '#555', layer, LAYERS[layer])));
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">${esc(`Benchmark ${report.when}: ${report.orders} orders per run, 10% compensated`)}</text>`,
    panel({ x: 70, y: plotTop, width: 380, height: plotHeight, title: 'sagas/s (higher is better)', unit: 'sagas/s', log: false, series: series('sagasPerSecond'), concurrency }),
    panel({ x: 560, y: plotTop, width: 380, height: plotHeight, title: 'p99 ms, request to terminal (lower is better, log scale)', unit: 'p99 ms', log: true, series: series('p99'), concurrency }),
    ...legend,
    '</svg>',
    '',
  ].join('\n');
}
