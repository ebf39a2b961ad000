import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { stopChild } from '../../coordinator/lab/federation/index.js';
import type { Coordinator } from '../../coordinator/main.js';
import { launchChromium } from '../helpers/browser.js';
import { spawnClient, type ClientProcess } from '../helpers/client-processes.js';
import { startTestCoordinator, waitFor, waitForRound, waitForRunState } from '../helpers/coordinators.js';
import { HAS_PROMTOOL, promtoolCheck, scrape, scrapeText, valueOf, type MetricFamily } from '../helpers/prometheus.js';

const ROUNDS = 6;
const ADMIN = 'observability-admin-token-0123';
const asAdmin = { headers: { Authorization: `Bearer ${ADMIN}` } };

describe("operators' view during a real run: /metrics, health, dashboard (admin token set)", () => {
  let c: Coordinator;
  let clients: ClientProcess[];
  let base: string;
  let runId: string;
  let early: MetricFamily[] = [];
  let clientMetricsUrl: string;

  before(async () => {
    c = await startTestCoordinator({ auth: { adminToken: ADMIN } });
    base = `http://127.0.0.1:${c.httpPort}`;
    // Site 0 serves its own /metrics on a free port; its log says which.
    clients = [0, 1].map((i) => spawnClient(c.address, i, 2, undefined, i === 0 ? ['--metrics-port', '0'] : []));
    await waitFor('2 live clients', () => (c.liveClients() === 2 ? true : undefined));
    clientMetricsUrl = await waitFor("the site's metrics address in its log", () => {
      const url = /"url":"(http:\/\/127\.0\.0\.1:\d+\/)"[^\n]*HTTP listening/.exec(clients[0]!.stderr())?.[1];
      return url && `${url}metrics`;
    });
    runId = (
      await c.manager.startRun({
        rounds: ROUNDS,
        clientsPerRound: 2,
        minClients: 2,
        localEpochs: 3,
        model: 'mlp',
        roundDeadlineMs: 60_000,
      })
    ).runId;
    await waitForRound(c, runId, 2);
    early = await scrape(`${base}/metrics`); // mid-run, for the metrics test (which does not depend on the browser test)
  });
  after(async () => {
    await Promise.all(clients.map((p) => stopChild(p.child)));
    await c.close();
  });

  it('answers /healthz and /readyz to anyone, and serves runs as JSON to the admin token only', async () => {
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    const ready = await fetch(`${base}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), {
      status: 'ready',
      role: 'leader',
      checks: { grpc: true, broadcast: true, leader: true },
    });
    const anonymous = await fetch(`${base}/api/runs`);
    assert.equal(anonymous.status, 401);
    assert.match((await anonymous.json()).error, /missing admin token/);
    assert.equal(
      (await fetch(`${base}/api/runs/${runId}`, { headers: { Authorization: 'Bearer wrong' } })).status,
      401,
    );
    const runs = (await (await fetch(`${base}/api/runs`, asAdmin)).json()) as {
      runId: string;
      rejected: Record<string, number>;
    }[];
    assert.deepEqual(
      runs.map((r) => r.runId),
      [runId],
    );
    assert.deepEqual(runs[0]!.rejected, {});
    assert.equal((await fetch(`${base}/api/runs/run-nope`, asAdmin)).status, 404);
  });

  it('draws one accuracy point per completed round in the dashboard, live during the run (headless Chromium)', async (t) => {
    // Prepare
    const browser = await launchChromium();
    t.after(() => browser.close());
    // Execute: open the dashboard mid-run
    const page = await browser.newPage();
    await page.goto(`${base}/?run=${runId}#token=${ADMIN}`); // the admin token in the fragment: it never reaches the server
    assert.equal(new URL(page.url()).hash, '', 'the page takes the token out of the address bar');
    const points = () => page.evaluate(() => Number(document.getElementById('accuracy-chart')?.dataset.points ?? -1));
    let live: { points: number; completed: number; state: string } | undefined;
    for (let i = 0; i < 100 && !live; i++) {
      const status = c.manager.get(runId).status();
      const p = await points();
      if (
        status.state === 'RUN_STATE_RUNNING' &&
        p >= 1 &&
        p === status.rounds.length &&
        p === c.manager.get(runId).status().rounds.length
      ) {
        live = { points: p, completed: status.rounds.length, state: status.state };
      } else await new Promise((r) => setTimeout(r, 200));
    }
    await waitForRunState(c, runId, ['RUN_STATE_COMPLETED']);
    await page.waitForSelector(`#accuracy-chart[data-points="${ROUNDS}"]`, { timeout: 15_000 });
    await page.waitForSelector(`#bytes-chart[data-points="${ROUNDS}"]`, { timeout: 15_000 });
    const chartPoints = await page.evaluate(() => {
      const w = window as unknown as { Chart: { getChart(id: string): { data: { datasets: { data: unknown[] }[] } } } };
      return w.Chart.getChart('accuracy-chart').data.datasets[0]!.data.length;
    });
    // Assert
    assert.ok(live, 'the page showed a point per completed round while the run was running');
    assert.equal(await page.textContent('#run-title'), `Run ${runId}`);
    assert.equal(await page.locator('#runs tbody tr').count(), 1);
    assert.equal(chartPoints, ROUNDS);
  });

  it('exposes Prometheus metrics whose round counter and accuracy move during the run', async () => {
    const s = await waitForRunState(c, runId, ['RUN_STATE_COMPLETED']);
    const late = await scrape(`${base}/metrics`);
    const run = { run: runId };
    const earlyRounds = valueOf(early, 'fedsift_rounds_completed_total', run)!;
    assert.ok(earlyRounds >= 1 && earlyRounds < ROUNDS, `rounds counter mid-run: ${earlyRounds}`);
    assert.equal(valueOf(late, 'fedsift_rounds_completed_total', run), ROUNDS);
    assert.ok(valueOf(early, 'fedsift_global_test_accuracy_ratio', run)! > 0);
    assert.equal(valueOf(late, 'fedsift_global_test_accuracy_ratio', run), s.rounds.at(-1)!.testAccuracy);
    assert.equal(valueOf(late, 'fedsift_round_duration_seconds', run), ROUNDS, 'one observation per round');
    assert.equal(valueOf(late, 'fedsift_clients_connected'), 2);
    assert.equal(valueOf(late, 'fedsift_clients_responded', run), 2);
    const float32 = { ...run, codec: 'none' };
    assert.ok(valueOf(late, 'fedsift_received_bytes_total', float32)! >= ROUNDS * 2 * 101_770 * 4);
    assert.ok(valueOf(late, 'fedsift_sent_bytes_total', float32)! >= ROUNDS * 2 * 101_770 * 4);
    const sum = (f: (r: (typeof s.rounds)[number]) => number | undefined) => s.rounds.reduce((a, r) => a + f(r)!, 0);
    assert.equal(
      sum((r) => r.updateBytes),
      ROUNDS * 2 * 101_770 * 4,
      'the summaries count the updates folded',
    );
    assert.equal(
      sum((r) => r.rawUpdateBytes),
      ROUNDS * 2 * 101_770 * 4,
    );
    assert.ok(sum((r) => r.modelBytes) >= ROUNDS * 2 * 101_770 * 4);
    assert.ok(valueOf(late, 'process_cpu_user_seconds_total')! > 0, 'process default metrics');
    const ours = late.filter((f) => f.name.startsWith('fedsift_'));
    assert.ok(ours.every((f) => f.help.length > 0 && ['COUNTER', 'GAUGE', 'HISTOGRAM'].includes(f.type)));
    assert.ok(ours.filter((f) => f.type === 'COUNTER').every((f) => f.name.endsWith('_total')));
  });

  it('serves /metrics that pass `promtool check metrics`, on the coordinator and on a site', async (t) => {
    if (!HAS_PROMTOOL)
      return t.skip("promtool is not installed (.ci/run installs it from Debian's prometheus package)");
    await waitForRunState(c, runId, ['RUN_STATE_COMPLETED']);
    for (const url of [`${base}/metrics`, clientMetricsUrl]) {
      const text = await scrapeText(url);
      assert.match(text, /fedsift_/, url);
      assert.deepEqual(promtoolCheck(text), { status: 0, problems: '' }, url);
    }
    const site = await scrape(clientMetricsUrl);
    assert.ok(
      valueOf(site, 'fedsift_client_rounds_total', { outcome: 'submitted' })! > 0,
      'the site scraped is the one that trained',
    );
  });
});
