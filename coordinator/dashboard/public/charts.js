// fedsift dashboard, charts: Chart.js helpers and the charts that depend on how the run is played (asynchronous:
// versions and their staleness; hierarchical: the client updates behind the aggregators). Loaded before dashboard.js.
'use strict';
const charts = {};

// What a run's steps are called: `version` in an asynchronous run (config `mode: "async"`), else `round`. The CLI's
// stepOfMode (coordinator/operator/format.ts) says the same; this page has no build step to import it from there.
const stepOfMode = (mode) => (mode === 'async' ? 'version' : 'round');

// The chart on canvas `id`, created on first use with `datasets`; its x axis is titled with the run's step name.
function chart(id, type, datasets, options = {}) {
  if (!charts[id]) {
    const scales = { ...options.scales, x: { ...options.scales?.x, title: { display: true, text: 'round' } } };
    charts[id] = new Chart(document.getElementById(id), {
      type,
      data: { labels: [], datasets },
      options: { animation: false, responsive: true, ...options, scales },
    });
  }
  return charts[id];
}

// Draws `series` (one array per dataset, in order) over `labels`, steps named `step`; the canvas's data-points says
// how many steps it shows.
function setSeries(id, labels, series, step) {
  const c = charts[id];
  c.data.labels = labels;
  series.forEach((values, i) => {
    c.data.datasets[i].data = values;
  });
  c.options.scales.x.title.text = step;
  c.update();
  document.getElementById(id).dataset.points = String(labels.length);
}

// A stacked bar chart whose datasets are replaced on each draw: `bars` are [label, values, stack] triples, `extra`
// further datasets (with their data), `scales` further axes.
function drawStacked(id, labels, bars, step, extra = [], scales = {}) {
  const c = chart(id, 'bar', [], { scales: { x: { stacked: true }, y: { stacked: true }, ...scales } });
  c.data.datasets = [...bars.map(([label, , stack]) => ({ label, stack, data: [] })), ...extra];
  setSeries(id, labels, bars.map(([, values]) => values).concat(extra.map((d) => d.data)), step);
}

// The staleness τ of a `staleness_<τ>` update count in an asynchronous version's summary; NaN for other metrics.
const stalenessOf = (metric) => (/^staleness_\d+$/.test(metric) ? Number(metric.slice('staleness_'.length)) : NaN);

// Per version of an asynchronous run: its updates by staleness τ (stacked; a τ no version saw is left out) and their
// mean τ (a line, right axis); hidden for a run without them.
function renderStaleness(rounds, labels, step) {
  const histogram = rounds.some((x) => x.clientMetrics.staleness_mean !== undefined);
  document.getElementById('staleness').hidden = !histogram;
  if (!histogram) return;
  const count = (x, t) => x.clientMetrics[`staleness_${t}`] ?? 0;
  const taus = [...new Set(rounds.flatMap((x) => Object.keys(x.clientMetrics)))]
    .map(stalenessOf)
    .filter((t) => rounds.some((x) => count(x, t) > 0))
    .sort((a, b) => a - b);
  const mean = {
    type: 'line',
    label: 'mean τ',
    yAxisID: 'mean',
    data: rounds.map((x) => x.clientMetrics.staleness_mean ?? null),
  };
  const bars = taus.map((t) => [`τ = ${t}`, rounds.map((x) => count(x, t)), 'updates']);
  drawStacked('staleness-chart', labels, bars, step, [mean], {
    mean: { position: 'right', min: 0, grid: { drawOnChartArea: false } },
  });
}

// Whether a run's participants stand for more clients than themselves: a hierarchical run (config `hierarchical`),
// or rounds whose client updates (an aggregator's counted as its sub-fleet's) differ from the participants.
const isHierarchical = (cfg, rounds) =>
  cfg.hierarchical === true ||
  rounds.some((x) => (x.clientUpdates !== undefined && x.clientUpdates !== x.responded) || x.subFleetFailed > 0);

// Participants that responded and those that sent no update, per step; in a hierarchical run a second bar beside
// them: the client updates behind the participants and the clients behind aggregators that contributed nothing.
function renderParticipation(cfg, rounds, labels, step) {
  const bars = [
    ['responded', rounds.map((x) => x.responded), 'participants'],
    ['no update', rounds.map((x) => x.selected - x.responded), 'participants'],
  ];
  const hierarchical = isHierarchical(cfg, rounds);
  if (hierarchical) {
    bars.push(['client updates behind them', rounds.map((x) => x.clientUpdates ?? x.responded), 'clients']);
    bars.push(['sub-fleet failures', rounds.map((x) => x.subFleetFailed ?? 0), 'clients']);
  }
  document.getElementById('participation-note').hidden = !hierarchical;
  drawStacked('participation-chart', labels, bars, step);
}
