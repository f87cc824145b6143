import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** The docker/ folder: the alert rules, their tests, Prometheus's and Alertmanager's configuration. */
export const DOCKER_DIR = fileURLToPath(new URL('../../docker/', import.meta.url));

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** Reads a YAML file of docker/. */
export const readDockerYaml = <T>(name: string): T => parse(readFileSync(`${DOCKER_DIR}${name}`, 'utf8')) as T;

/** Every alert of docker/alerts.yml. */
export function alertRules(): AlertRule[] {
  return readDockerYaml<{ groups: { rules: AlertRule[] }[] }>('alerts.yml').groups.flatMap((g) => g.rules);
}

// What a PromQL expression holds besides metric names: operators, modifiers and aggregations
// (functions are told apart by the parenthesis after them).
const KEYWORDS = new Set(['and', 'or', 'unless', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'offset', 'bool']);

/**
 * The metric names a PromQL expression reads, as exported (a histogram's `_bucket`, `_sum` and
 * `_count` series named by the histogram). Label matchers, grouping lists, ranges, strings and
 * numbers are dropped first, so what is left that calls nothing is a metric.
 */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  const names = [...bare.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()/g)].map((m) => m[1]).filter((w) => !KEYWORDS.has(w) && !/^\d/.test(w));
  return [...new Set(names.map((n) => n.replace(/_(bucket|sum|count)$/, '')))];
}

/**
 * Runs promtool (`PROMTOOL`, or the one on the PATH: Debian's `prometheus` package) in docker/;
 * returns its output, or throws with it. Never skipped: without promtool the alert rules are untested.
 */
export function promtool(...args: string[]): string {
  const bin = process.env.PROMTOOL ?? 'promtool';
  try {
    return execFileSync(bin, args, { cwd: DOCKER_DIR, encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
    if (e.code === 'ENOENT') throw new Error(`${bin} not found: install it (apt-get install prometheus) or set PROMTOOL to its path`);
    throw new Error(`promtool ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}
