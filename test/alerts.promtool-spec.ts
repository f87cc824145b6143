import { describe, expect, it } from '@jest/globals';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/app-config.js';
import { alertRules, DOCKER_DIR, metricNames, promtool, readDockerYaml } from './support/alert-rules.js';

type RuleTest = { alert_rule_test: { alertname: string; exp_alerts?: unknown[] }[] };
type Compose = { services: Record<string, { image?: string; volumes?: string[]; ports?: string[] }> };
type PrometheusConfig = { rule_files: string[]; alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] } };

describe('alert rules (docker/alerts.yml)', () => {
  it('are valid, and pass their unit tests (promtool)', () => {
    expect(promtool('check', 'rules', 'alerts.yml')).toContain('SUCCESS');
    expect(promtool('test', 'rules', 'alerts.test.yml')).toContain('SUCCESS');
  });

  it('each wait a while, carry a severity, say what is wrong and what to do, and fire and stay quiet in a test', () => {
    const tests = readDockerYaml<{ tests: RuleTest[] }>('alerts.test.yml').tests.flatMap((t) => t.alert_rule_test);
    const rules = alertRules();
    expect(rules.length).toBeGreaterThanOrEqual(7);
    for (const { alert, for: wait, labels, annotations } of rules) {
      const cases = tests.filter((t) => t.alertname === alert);
      expect({
        alert,
        wait: /^\d+[smh]$/.test(wait ?? ''),
        severity: ['warning', 'critical'].includes(labels?.severity ?? ''),
        summary: (annotations?.summary?.length ?? 0) > 10,
        description: (annotations?.description?.length ?? 0) > 40,
        fires: cases.some((c) => (c.exp_alerts?.length ?? 0) > 0),
        quiet: cases.some((c) => (c.exp_alerts?.length ?? 0) === 0),
      }).toEqual({ alert, wait: true, severity: true, summary: true, description: true, fires: true, quiet: true });
    }
  });

  it('reads the metrics it is meant to (each alert\'s expression, as parsed)', () => {
    const read = Object.fromEntries(alertRules().map((r) => [r.alert, metricNames(r.expr)]));
    expect(read).toEqual({
      SagaStepTimingOut: ['saga_step_timeouts_total'],
      SagaCompensationRateHigh: ['saga_finished_total'],
      SagaStepFailureRateHigh: ['saga_step_duration_seconds'],
      SagaFailed: ['saga_failed_waiting'],
      SagaFailuresIncreasing: ['saga_finished_total'],
      OutboxBacklogOld: ['outbox_oldest_pending_age_seconds'],
      OutboxDeadLetters: ['outbox_dead_letters'],
    });
  });

  it('the outbox backlog alert fires past the readiness limit (READY_MAX_BACKLOG_AGE_MS by default)', () => {
    const backlog = alertRules().find((r) => r.alert === 'OutboxBacklogOld')!;
    expect(backlog.expr).toMatch(new RegExp(`> ${loadConfig({}).readyMaxBacklogAgeMs / 1000}$`));
  });
});

describe('Prometheus and Alertmanager in docker/docker-compose.yml', () => {
  it('Prometheus loads the rules it is given and sends alerts to the Alertmanager service (promtool check config)', () => {
    const compose = readDockerYaml<Compose>('docker-compose.yml').services;
    const prometheus = readDockerYaml<PrometheusConfig>('prometheus.yml');
    // Each rule file sits beside prometheus.yml in the container, mounted from docker/.
    for (const file of prometheus.rule_files) expect(compose.prometheus.volumes).toContain(`./${file}:/etc/prometheus/${file}:ro`);
    expect(compose.alertmanager.volumes).toEqual(['./alertmanager.yml:/etc/alertmanager/alertmanager.yml:ro']);
    expect(compose.alertmanager.image).toMatch(/^prom\/alertmanager:/);
    const [target] = prometheus.alerting.alertmanagers[0].static_configs[0].targets;
    expect(target).toBe('alertmanager:9093');
    expect(compose.alertmanager.ports).toContain('9093:9093');

    // As in the container, with the scrape key the entrypoint writes.
    const dir = mkdtempSync(join(tmpdir(), 'prometheus-'));
    try {
      writeFileSync(join(dir, 'scrape-key'), 'key');
      writeFileSync(join(dir, 'prometheus.yml'), readFileSync(`${DOCKER_DIR}prometheus.yml`, 'utf8').replace('/tmp/scrape-key', join(dir, 'scrape-key')));
      for (const file of prometheus.rule_files) copyFileSync(`${DOCKER_DIR}${file}`, join(dir, file));
      expect(promtool('check', 'config', join(dir, 'prometheus.yml'))).toMatch(/SUCCESS: 7 rules found/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
