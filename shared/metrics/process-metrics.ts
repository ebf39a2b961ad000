import { collectDefaultMetrics, type Registry } from 'prom-client';

/**
 * prom-client's default gauges whose names end in `_total`, which Prometheus reserves for counters: `promtool check
 * metrics` fails on them. Each is the sum of a per-type gauge prom-client also exposes (`nodejs_active_handles{type}`,
 * `nodejs_active_requests{type}`, `nodejs_active_resources{type}`), so nothing is lost without them.
 */
const MISNAMED_DEFAULT_GAUGES = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
] as const;

/**
 * Registers prom-client's process and Node.js runtime metrics (`process_*`, `nodejs_*`) on `registry`, less the
 * misnamed gauges above, so /metrics passes `promtool check metrics`.
 */
export function collectProcessMetrics(registry: Registry): void {
  collectDefaultMetrics({ register: registry });
  for (const name of MISNAMED_DEFAULT_GAUGES) registry.removeSingleMetric(name);
}
