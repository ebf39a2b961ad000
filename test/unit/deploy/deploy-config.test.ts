import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { CoordinatorMetrics } from '../../../coordinator/metrics/index.js';
import { UploadGate } from '../../../coordinator/grpc/index.js';
import { ClientMetrics } from '../../../client-node/metrics/index.js';
import { coordinatorConfigSchema } from '../../../shared/config/index.js';

const file = (p: string) => readFileSync(new URL(`../../../deploy/${p}`, import.meta.url), 'utf8');

/** Every metric family the coordinator's and a client daemon's /metrics expose. */
async function families(): Promise<{ name: string; type: unknown }[]> {
  const registries = [new CoordinatorMetrics(() => 0, new UploadGate(1)).registry, new ClientMetrics(1).registry];
  return (await Promise.all(registries.map((r) => r.getMetricsAsJSON()))).flat();
}

/** Names of the series the registries expose, with histogram suffixes. */
async function exposed(): Promise<Set<string>> {
  const names = new Set<string>();
  for (const m of await families()) {
    names.add(m.name);
    if (String(m.type) === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(m.name + suffix);
  }
  return names;
}

describe('deploy/ monitoring config', () => {
  it('scrapes the coordinator at its default HTTP port', () => {
    const prom = parse(file('prometheus/prometheus.yml')) as {
      scrape_configs: { job_name: string; metrics_path: string; static_configs: { targets: string[] }[] }[];
    };
    const coordinator = prom.scrape_configs.find((j) => j.job_name === 'fedsift-coordinator')!;
    assert.equal(coordinator.metrics_path, '/metrics');
    assert.equal(
      coordinator.static_configs[0]!.targets[0]!.split(':')[1],
      String(coordinatorConfigSchema.parse({ insecure: true }).httpPort),
    );
  });

  it('uses only metric names that fedsift exposes in every Grafana query', async () => {
    const dashboard = JSON.parse(file('grafana/fedsift-dashboard.json')) as {
      panels: { targets: { expr: string }[] }[];
      templating: { list: { query?: unknown }[] };
    };
    const exprs = [
      ...dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)),
      ...dashboard.templating.list.map((v) => String(v.query ?? '')),
    ];
    const used = new Set(exprs.flatMap((e) => e.match(/\b(fedsift|process)_[a-z_]+/g) ?? []));
    const names = await exposed();
    const unknown = [...used].filter((n) => !names.has(n));
    assert.ok(used.size >= 15, `only ${used.size} metric names found`);
    assert.deepEqual(unknown, []);
  });

  it('gives the counter suffix _total to counters only (promtool check metrics fails a gauge named *_total)', async () => {
    const misnamed = (await families()).filter((m) => m.name.endsWith('_total') && String(m.type) !== 'counter');
    assert.deepEqual(
      misnamed.map((m) => m.name),
      [],
    );
  });
});
