import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';
import { bearerTokenOf, type RunStatus } from '../../shared/proto/index.js';
import type { AccessControl } from '../auth/index.js';
import type { CoordinatorMetrics } from '../metrics/index.js';
import type { RunManager } from '../rounds/index.js';

/** Readiness checks: each must be true for /readyz to answer 200. */
export type ReadinessChecks = () => Record<string, boolean>;

const require = createRequire(import.meta.url);
const PUBLIC = (name: string) => fileURLToPath(new URL(`../dashboard/public/${name}`, import.meta.url));

/** Static files of the dashboard, read once: ours (page, scripts, style) and Chart.js's UMD build from its dist/. */
function staticFiles(): Record<string, { body: string; type: string }> {
  const script = 'text/javascript; charset=utf-8';
  const ours = (name: string, type: string) => ({ body: readFileSync(PUBLIC(name), 'utf8'), type });
  return {
    '/': ours('index.html', 'text/html; charset=utf-8'),
    '/static/charts.js': ours('charts.js', script),
    '/static/dashboard.js': ours('dashboard.js', script),
    '/static/dashboard.css': ours('dashboard.css', 'text/css; charset=utf-8'),
    '/static/chart.js': {
      body: readFileSync(join(dirname(require.resolve('chart.js')), 'chart.umd.min.js'), 'utf8'),
      type: script,
    },
  };
}

/**
 * The coordinator's HTTP side: Prometheus `/metrics`, `/healthz` (the process serves), `/readyz` (every readiness
 * check passes; it names the coordinator's `role`: a standby is not ready), a JSON API of runs (`/api/runs`, `/api/runs/:id`: RunStatus plus `rejected` counts by reason) and
 * the web dashboard at `/`. With an admin token configured, the run API (run configs, client ids, failure reasons)
 * answers only `Authorization: Bearer <admin token>` (401 otherwise; the dashboard sends it, see dashboard.js);
 * metrics and health stay open for scrapers and probes.
 */
export function httpApp(
  manager: RunManager,
  metrics: CoordinatorMetrics,
  ready: ReadinessChecks,
  access: AccessControl,
  role: () => string,
): Hono {
  const app = new Hono();
  const files = staticFiles();
  app.use('/api/*', async (c, next) => {
    const token = bearerTokenOf(c.req.header('authorization'));
    if (access.isAdmin(token)) return next();
    const error = `${token ? 'wrong' : 'missing'} admin token: send "Authorization: Bearer <admin token>"; the dashboard: open /#token=<admin token>`;
    return c.json({ error }, 401, { 'WWW-Authenticate': 'Bearer' });
  });
  app.get('/metrics', async (c) => c.body(await metrics.expose(), 200, { 'Content-Type': metrics.contentType }));
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', (c) => {
    const checks = ready();
    const ok = Object.values(checks).every(Boolean);
    return c.json({ status: ok ? 'ready' : 'not ready', role: role(), checks }, ok ? 200 : 503);
  });
  // Run status plus `rejected`: refused updates by reason (stale, not selected, invalid…), from the metrics.
  const withRejections = async (s: RunStatus) => ({ ...s, rejected: await metrics.rejectionsOf(s.runId) });
  app.get('/api/runs', async (c) => c.json(await Promise.all(manager.list().map((r) => withRejections(r.status())))));
  app.get('/api/runs/:id', async (c) => {
    const run = manager.list().find((r) => r.runId === c.req.param('id'));
    return run
      ? c.json(await withRejections(run.status()))
      : c.json({ error: `no run with id "${c.req.param('id')}"` }, 404);
  });
  for (const [path, f] of Object.entries(files)) app.get(path, (c) => c.body(f.body, 200, { 'Content-Type': f.type }));
  return app;
}
