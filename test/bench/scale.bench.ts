/**
 * Scale benchmark: 1,000 lightweight simulated clients — 4 processes, each holding 250 CoordinatorLinks (one gRPC
 * connection each) — join one coordinator and complete 3 rounds over the gRPC announcement stream: Join, heartbeats,
 * WatchRounds, FetchModel, SubmitUpdate, as a daemon does, without training. Reports connect time, round time, the
 * coordinator's peak RSS and open file descriptors, and the simulating processes' peak RSS; baseline: the same run with
 * one client. Acceptance: every client in every round, no error.
 */
import type { RunStatus } from '../../shared/proto/index.js';
import { simulatedFederation } from './peers.js';
import { emit } from './report.js';

const CLIENTS = Number(process.env.SCALE_CLIENTS ?? 1000); // SCALE_CLIENTS=40 for a quick try
const PROCESSES = 4;
const ROUNDS = 3;
const PARAMS = 50_000; // a 200 KB model: the protocol and the coordinator are what is measured

/** A ROUNDS-round run with `clients` simulated sites (5 s heartbeats, 60 s client timeout). */
const scaleRun = (clients: number) =>
  simulatedFederation({
    params: PARAMS,
    clients,
    processes: PROCESSES,
    rounds: ROUNDS,
    coordinator: { heartbeatIntervalMs: 5_000, clientTimeoutMs: 60_000 },
  });

const meanRoundSeconds = (s: RunStatus) => s.rounds.reduce((a, r) => a + r.durationMs, 0) / s.rounds.length / 1000;
const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;

const one = await scaleRun(1);
const many = await scaleRun(CLIENTS);
const errors = many.reports.flatMap((r) => r.errors);
const everyone =
  many.status.state === 'RUN_STATE_COMPLETED' &&
  many.status.rounds.length === ROUNDS &&
  many.status.rounds.every((r) => r.responded === CLIENTS && r.failed === 0);
const perClient = meanRoundSeconds(many.status) / CLIENTS;
emit({
  title: `Scale: ${CLIENTS.toLocaleString('en')} simulated clients in ${many.reports.length} processes, ${ROUNDS} rounds, ${(PARAMS * 4) / 1000} KB model, no training`,
  figures: [
    {
      what: 'every client in every round, no error',
      value:
        everyone && errors.length === 0
          ? 'yes'
          : `NO (${errors.length} errors; rounds ${many.status.rounds.map((r) => `${r.responded}/${r.selected}`).join(', ')})`,
    },
    { what: 'connect (processes spawned → all joined and live)', value: `${many.connectSeconds.toFixed(1)} s` },
    {
      what: 'mean round (announce → all updates → FedAvg → evaluation → checkpoint)',
      value: `${meanRoundSeconds(many.status).toFixed(2)} s`,
    },
    {
      what: 'round time per client',
      value: `${(perClient * 1000).toFixed(1)} ms`,
      baseline: `a 1-client round ${(meanRoundSeconds(one.status) * 1000).toFixed(1)} ms`,
      ratio: perClient / meanRoundSeconds(one.status),
    },
    { what: 'coordinator peak RSS', value: mib(many.peaks.rss), baseline: `1 client ${mib(one.peaks.rss)}` },
    {
      what: 'coordinator peak open file descriptors',
      value: String(many.peaks.fds),
      baseline: `1 client ${one.peaks.fds}`,
    },
    { what: 'largest simulating process peak RSS', value: mib(Math.max(...many.reports.map((r) => r.peakRssBytes))) },
  ],
  notes: [
    `rounds: ${many.status.rounds.map((r) => `${(r.durationMs / 1000).toFixed(2)} s (${r.responded}/${r.selected})`).join(', ')}`,
    `${many.reports.reduce((a, r) => a + r.updates, 0)} updates accepted; errors: ${errors.slice(0, 3).join('; ') || 'none'}`,
    'announcements over the gRPC WatchRounds stream (no NATS); heartbeats every 5 s',
  ],
});
