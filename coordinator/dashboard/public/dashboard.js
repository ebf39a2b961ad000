// fedsift dashboard: polls the coordinator's JSON API and draws the selected run with Chart.js. No build step.
'use strict';
let selected = new URLSearchParams(location.search).get('run');

const pct = (x) => (Number.isFinite(x) ? `${(x * 100).toFixed(2)}%` : '—');
const state = (s) => s.state.replace('RUN_STATE_', '').toLowerCase();
const stepOf = (r) => stepOfMode(JSON.parse(r.configJson).mode);

// The runs table; its progress column is named by the runs' steps ("round", "version", or both for a mix, each
// cell then naming its own).
function renderRuns(runs) {
  const steps = [...new Set(runs.map(stepOf))];
  document.getElementById('runs-step').textContent = steps.join(' / ') || 'round';
  const body = document.querySelector('#runs tbody');
  body.replaceChildren(
    ...runs.map((r) => {
      const tr = document.createElement('tr');
      tr.className = 'run-row' + (r.runId === selected ? ' selected' : '');
      tr.dataset.run = r.runId;
      const last = r.rounds[r.rounds.length - 1];
      for (const v of [
        r.runId,
        state(r),
        (steps.length > 1 ? `${stepOf(r)} ` : '') + `${r.currentRound}/${r.totalRounds}`,
        r.connectedClients,
        pct(last ? last.testAccuracy : NaN),
        new Date(r.startedUnixMs).toLocaleTimeString(),
      ]) {
        const td = document.createElement('td');
        td.textContent = String(v);
        tr.append(td);
      }
      tr.onclick = () => {
        selected = r.runId;
        history.replaceState(null, '', `?run=${r.runId}`);
        refresh();
      };
      return tr;
    }),
  );
}

function renderRun(r) {
  document.getElementById('run').hidden = false;
  const cfg = JSON.parse(r.configJson);
  const step = stepOfMode(cfg.mode);
  document.querySelectorAll('#run .step').forEach((e) => {
    e.textContent = step;
  });
  document.getElementById('run-title').textContent = `Run ${r.runId}` + (cfg.name ? ` — ${cfg.name}` : '');
  document.getElementById('run-summary').textContent =
    `${state(r)} · ${step} ${r.currentRound}/${r.totalRounds} · model ${cfg.model} · strategy ${cfg.strategy.name}` +
    ` · updates ${cfg.updateCodec ?? 'none'} · downloads ${cfg.downloadCodec ?? 'none'}` +
    privacySummary(r, cfg) +
    (r.error ? ` · ${r.state === 'RUN_STATE_COMPLETED' ? 'ended' : 'error'}: ${r.error}` : '');
  const labels = r.rounds.map((x) => x.round);
  chart('accuracy-chart', 'line', [{ label: 'test accuracy' }, { label: 'federated accuracy (clients)' }], {
    scales: { y: { min: 0, max: 1 } },
  });
  setSeries(
    'accuracy-chart',
    labels,
    [r.rounds.map((x) => x.testAccuracy), r.rounds.map((x) => x.federatedAccuracy)],
    step,
  );
  chart('loss-chart', 'line', [{ label: 'test loss' }, { label: 'train loss' }]);
  setSeries('loss-chart', labels, [r.rounds.map((x) => x.testLoss), r.rounds.map((x) => x.trainLoss)], step);
  renderParticipation(cfg, r.rounds, labels, step);
  chart('bytes-chart', 'bar', [{ label: 'updates' }, { label: 'updates as float32' }, { label: 'global models' }]);
  const mb = (b) => (b === undefined ? null : b / 1e6);
  setSeries(
    'bytes-chart',
    labels,
    [
      r.rounds.map((x) => mb(x.updateBytes)),
      r.rounds.map((x) => mb(x.rawUpdateBytes)),
      r.rounds.map((x) => mb(x.modelBytes)),
    ],
    step,
  );
  // timing, echoed config and an asynchronous version's staleness (its own chart): not client statistics
  const hidden = (k) => k === 'train_ms' || k === 'epochs' || k.startsWith('staleness_');
  const names = [...new Set(r.rounds.flatMap((x) => Object.keys(x.clientMetrics)))].filter((k) => !hidden(k));
  const c = chart('client-chart', 'line', []);
  c.data.datasets = names.map((n) => ({ label: n, data: [] }));
  setSeries(
    'client-chart',
    labels,
    names.map((n) => r.rounds.map((x) => x.clientMetrics[n] ?? null)),
    step,
  );
  renderStaleness(r.rounds, labels, step);
  renderPrivacy(r, labels, step);
  renderStatistics(r.featureStatistics, cfg.schema);
  const rejected = Object.entries(r.rejected);
  if (!rejected.length) rejected.push(['none', 0]);
  fillTable('#rejected', rejected);
  const failures = r.rounds.flatMap((x) => x.failures.map((f) => [x.round, f.clientId, f.reason]));
  if (!failures.length) failures.push(['—', 'none', 'every selected client sent an update']);
  fillTable('#failures', failures);
}

// " · ε 1.234 (δ 1e-05) · clipping norm 0.5120" of a run with central differential privacy; '' otherwise.
function privacySummary(r, cfg) {
  const last = r.rounds[r.rounds.length - 1];
  if (!cfg.differentialPrivacy || !last || !last.dpEpsilon) return '';
  return ` · ε ${last.dpEpsilon.toFixed(3)} (δ ${cfg.differentialPrivacy.delta}) · clipping norm ${last.dpClippingNorm.toFixed(4)}`;
}

// ε after each round and the clipping norm, for a run with central differential privacy; hidden otherwise.
function renderPrivacy(r, labels, step) {
  const dp = r.rounds.some((x) => x.dpEpsilon);
  document.getElementById('privacy').hidden = !dp;
  if (!dp) return;
  chart('privacy-chart', 'line', [{ label: 'ε' }, { label: 'clipping norm' }]);
  setSeries(
    'privacy-chart',
    labels,
    [
      r.rounds.map((x) => (Number.isFinite(x.dpEpsilon) ? x.dpEpsilon : null)),
      r.rounds.map((x) => x.dpClippingNorm ?? null),
    ],
    step,
  );
}

// The run's global feature statistics (round 0 of a run with a data schema); hidden when it has none.
function renderStatistics(stats, schema) {
  document.getElementById('statistics').hidden = !stats;
  if (!stats) return;
  const num = (x) => (Number.isFinite(x) ? x.toFixed(4) : '—');
  document.getElementById('statistics-summary').textContent = `${stats.sites} sites, ${stats.rows} rows`;
  fillTable(
    '#numeric-statistics',
    stats.numeric.map((c) => [c.name, c.count, num(c.mean), num(c.std), num(c.min), num(c.max)]),
  );
  const categories = new Map((schema ? schema.features : []).map((f) => [f.name, f.categories || []]));
  fillTable(
    '#categorical-statistics',
    stats.categorical.flatMap((c) =>
      c.counts.map((n, i) => [c.name, (categories.get(c.name) || [])[i] ?? `#${i}`, n, pct(c.frequencies[i])]),
    ),
  );
}

function fillTable(selector, rows) {
  document.querySelector(`${selector} tbody`).replaceChildren(
    ...rows.map((row) => {
      const tr = document.createElement('tr');
      for (const v of row) {
        const td = document.createElement('td');
        td.textContent = String(v);
        tr.append(td);
      }
      return tr;
    }),
  );
}

// With an admin token set, the run API needs it: opened as /#token=<admin token>, the page keeps it for this tab only
// and takes it out of the address bar (a fragment never reaches the server or its logs).
const fromUrl = new URLSearchParams(location.hash.slice(1)).get('token');
if (fromUrl) {
  sessionStorage.setItem('fedsift-admin-token', fromUrl);
  history.replaceState(null, '', location.pathname + location.search);
}
const adminToken = fromUrl ?? sessionStorage.getItem('fedsift-admin-token');

async function refresh() {
  try {
    const res = await fetch('/api/runs', adminToken ? { headers: { Authorization: `Bearer ${adminToken}` } } : {});
    if (res.status === 401) {
      document.getElementById('updated').textContent =
        'this coordinator needs its admin token: open the dashboard as /#token=<admin token>';
      return;
    }
    const runs = await res.json();
    if (!selected && runs.length) selected = runs[runs.length - 1].runId;
    renderRuns(runs);
    const run = runs.find((r) => r.runId === selected);
    if (run) renderRun(run);
    document.getElementById('updated').textContent = `updated ${new Date().toLocaleTimeString()}`;
  } catch (err) {
    document.getElementById('updated').textContent = `coordinator unreachable (${err.message})`;
  }
}

refresh();
setInterval(refresh, 2000);
