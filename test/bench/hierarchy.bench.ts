/**
 * Hierarchy benchmark (README "Hierarchical aggregation"): 10,000 simulated clients, 1,000 behind each of 10
 * `fedsift aggregator` processes (each group of sites in a process of its own), complete 3 rounds of a hierarchical
 * run; the same with 10 clients behind each aggregator shows whether the coordinator's memory grows with the clients
 * behind the aggregators; the flat run of 1,000 clients joined to the coordinator directly is the baseline of the
 * round time per client. Acceptance: every client update counted in every round.
 */
import type { RunStatus } from '../../shared/proto/index.js';
import { tieredFederation } from './hierarchy-tier.js';
import { simulatedFederation } from './peers.js';
import { emit } from './report.js';

const AGGREGATORS = 10;
const PER_AGGREGATOR = Number(process.env.HIERARCHY_PER_AGGREGATOR ?? 1000); // with HIERARCHY_FLAT_CLIENTS, for a quick try
const FLAT_CLIENTS = Number(process.env.HIERARCHY_FLAT_CLIENTS ?? 1000);
const ROUNDS = 3;
const PARAMS = 10_000; // a 40 KB model: the tiers and the protocol are what is measured

const meanRoundSeconds = (s: RunStatus) => s.rounds.reduce((a, r) => a + r.durationMs, 0) / s.rounds.length / 1000;
const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;

// The small tiered run first, then the large one, then the flat one: this process's RSS only grows, so each
// coordinator figure is not inflated by a larger run before it.
const small = await tieredFederation({ params: PARAMS, aggregators: AGGREGATORS, perAggregator: 10, rounds: ROUNDS });
const large = await tieredFederation({
  params: PARAMS,
  aggregators: AGGREGATORS,
  perAggregator: PER_AGGREGATOR,
  rounds: ROUNDS,
});
const flat = await simulatedFederation({
  params: PARAMS,
  clients: FLAT_CLIENTS,
  processes: 4,
  rounds: ROUNDS,
  coordinator: { heartbeatIntervalMs: 5_000, clientTimeoutMs: 60_000 },
});
const clients = AGGREGATORS * PER_AGGREGATOR;
const errors = large.reports.flatMap((r) => r.errors);
const counted =
  large.status.state === 'RUN_STATE_COMPLETED' &&
  large.status.rounds.length === ROUNDS &&
  large.status.rounds.every((r) => r.clientUpdates === clients && r.responded === AGGREGATORS && !r.subFleetFailed);
const perClient = meanRoundSeconds(large.status) / clients;
const flatPerClient = meanRoundSeconds(flat.status) / FLAT_CLIENTS;
emit({
  title: `Hierarchy: ${clients.toLocaleString('en')} simulated clients through ${AGGREGATORS} aggregators, ${ROUNDS} rounds, ${(PARAMS * 4) / 1000} KB model, no training`,
  figures: [
    {
      what: 'every client update counted in every round, no error',
      value:
        counted && errors.length === 0
          ? 'yes'
          : `NO (${errors.length} errors; client updates per round ${large.status.rounds.map((r) => r.clientUpdates).join(', ')})`,
    },
    { what: 'connect (aggregators spawned → every site joined)', value: `${large.connectSeconds.toFixed(1)} s` },
    {
      what: 'mean round (announce → relay → fold → forward → FedAvg)',
      value: `${meanRoundSeconds(large.status).toFixed(2)} s`,
    },
    {
      what: 'round time per client',
      value: `${(perClient * 1000).toFixed(2)} ms`,
      baseline: `flat ${FLAT_CLIENTS.toLocaleString('en')} clients: ${(flatPerClient * 1000).toFixed(2)} ms`,
      ratio: perClient / flatPerClient,
    },
    {
      what: `coordinator peak RSS, ${clients.toLocaleString('en')} clients behind the aggregators`,
      value: mib(large.coordinatorRss),
      baseline: `${AGGREGATORS * 10} clients behind them: ${mib(small.coordinatorRss)}`,
      ratio: large.coordinatorRss / small.coordinatorRss,
      target: { op: '≤', ratio: 1.25 },
    },
    {
      what: 'aggregator peak RSS (largest; each)',
      value: `${mib(Math.max(...large.aggregatorRss))} (${large.aggregatorRss.map((b) => (b / 2 ** 20).toFixed(0)).join(', ')} MiB)`,
    },
    {
      what: `flat: coordinator peak RSS with ${FLAT_CLIENTS.toLocaleString('en')} clients`,
      value: mib(flat.peaks.rss),
    },
    { what: 'largest simulating process peak RSS', value: mib(Math.max(...large.reports.map((r) => r.peakRssBytes))) },
  ],
  notes: [
    `rounds: ${large.status.rounds.map((r) => `${(r.durationMs / 1000).toFixed(2)} s (${r.clientUpdates} client updates from ${r.responded}/${r.selected} aggregators)`).join(', ')}`,
    `flat rounds: ${flat.status.rounds.map((r) => `${(r.durationMs / 1000).toFixed(2)} s (${r.responded}/${r.selected})`).join(', ')}`,
    `errors: ${errors.slice(0, 3).join('; ') || 'none'}; announcements over the WatchRounds streams; aggregators heartbeat every 5 s, the sites behind them every 30 s (lost after 10 min), keepalive 60 s on their links; the flat run as the scale benchmark (5 s, 60 s, default keepalive)`,
  ],
});
