/**
 * What SecAgg+ costs a round: the same federation of simulated sites (4 processes, a 1M-parameter model, no
 * training; every site selected and needed) runs plain FedAvg rounds and SecAgg+ rounds, at 10, 50 and 100 sites.
 * A SecAgg+ round adds the two key stages, each site's mask (its self mask and one pairwise mask per neighbour, AES-CTR
 * streams of the model's size added mod 2^32, built while the site downloads the model), its quantised delta, the
 * unmask stage and the coordinator's removal of the self masks.
 * The sites use the daemon's own session (client-node/secagg). Medians of the rounds after the first (which also
 * warms up the connections and the JIT). Target (issue 17): ≤ 2× the plain round at 100 sites.
 */
import {
  ENCRYPTED_SHARE_BYTES,
  KEY_BYTES,
  resolveRoundParams,
  SHARE_BYTES,
  validateSecAggSettings,
} from '../../shared/secagg/index.js';
import { simulatedFederation } from './peers.js';
import { emit, median, type BenchFigure } from './report.js';

const PARAMS = 1_000_000;
const PROCESSES = 4;
const ROUNDS = 3;
const SITES = [10, 50, 100];
/**
 * Neighbourhoods of 15 (Bell et al.'s k = O(log n) regime: 2⌈log₂ 100⌉ + 1) and a majority threshold; a round of fewer
 * sites resolves numShares to all of them.
 */
const SECAGG = { numShares: 15, reconstructionThreshold: 8 };
/**
 * The coordinator's client timeout in both runs (ms): 25 simulated sites share one process's event loop, and each
 * masks a 1M-value vector synchronously (~0.1–0.3 s), so a process can hold its sites' heartbeats back for longer than
 * the default 10 s; a real site has a process of its own.
 */
const CLIENT_TIMEOUT_MS = 120_000;

/** Median round seconds of one run over `sites` sites (rounds after the first), and the upload bytes per site. */
async function roundSeconds(sites: number, run: Record<string, unknown>) {
  const { status, reports, runCpuSeconds } = await simulatedFederation({
    coordinator: { clientTimeoutMs: CLIENT_TIMEOUT_MS },
    params: PARAMS,
    clients: sites,
    processes: PROCESSES,
    rounds: ROUNDS,
    run,
  });
  const errors = reports.flatMap((r) => r.errors);
  if (errors.length) throw new Error(`simulated sites failed: ${errors.slice(0, 3).join('; ')}`);
  const rounds = status.rounds.slice(1);
  return {
    seconds: median(rounds.map((r) => r.durationMs / 1000)),
    all: status.rounds.map((r) => r.durationMs / 1000),
    uploadBytesPerSite: median(rounds.map((r) => (r.updateBytes ?? 0) / r.responded)),
    coordinatorCpuPerRound: runCpuSeconds / status.rounds.length,
  };
}

/**
 * Bytes of one site's SecAgg+ stage messages besides the masked vector (payloads, before protobuf framing): its two
 * public keys, one encrypted share pair per neighbour, and in the unmask reply one share per neighbour at most.
 */
function keyStageBytes(sites: number): { bytes: number; numShares: number; threshold: number } {
  const p = resolveRoundParams(validateSecAggSettings(SECAGG), sites);
  const neighbours = p.numShares - 1;
  return {
    bytes: 2 * KEY_BYTES + neighbours * ENCRYPTED_SHARE_BYTES + p.numShares * SHARE_BYTES,
    numShares: p.numShares,
    threshold: p.threshold,
  };
}

const figures: BenchFigure[] = [];
const notes: string[] = [];
const s = (x: number) => `${x.toFixed(2)} s`;
for (const sites of SITES) {
  const plain = await roundSeconds(sites, {});
  const secagg = await roundSeconds(sites, { secureAggregation: SECAGG });
  const stages = keyStageBytes(sites);
  figures.push({
    what: `SecAgg+ round, ${sites} sites (numShares ${stages.numShares}, threshold ${stages.threshold})`,
    value: s(secagg.seconds),
    baseline: `plain FedAvg round ${s(plain.seconds)}`,
    ratio: secagg.seconds / plain.seconds,
    ...(sites === 100 && { target: { op: '≤' as const, ratio: 2 } }),
  });
  figures.push({
    what: `coordinator CPU per SecAgg+ round, ${sites} sites`,
    value: s(secagg.coordinatorCpuPerRound),
    baseline: `per plain round ${s(plain.coordinatorCpuPerRound)}`,
    ratio: secagg.coordinatorCpuPerRound / plain.coordinatorCpuPerRound,
  });
  figures.push({
    what: `bytes a site sends per round, ${sites} sites`,
    value: `${((secagg.uploadBytesPerSite + stages.bytes) / 1e6).toFixed(3)} MB (masked vector ${(secagg.uploadBytesPerSite / 1e6).toFixed(3)} MB + key stages ${(stages.bytes / 1e3).toFixed(1)} kB)`,
    baseline: `plain update ${(plain.uploadBytesPerSite / 1e6).toFixed(3)} MB`,
    ratio: (secagg.uploadBytesPerSite + stages.bytes) / plain.uploadBytesPerSite,
  });
  notes.push(
    `${sites} sites: plain rounds ${plain.all.map(s).join(', ')}; SecAgg+ rounds ${secagg.all.map(s).join(', ')}`,
  );
}
emit({
  title: `SecAgg+ round cost: ${SITES.join(' / ')} sites in ${PROCESSES} processes × ${PARAMS.toLocaleString('en')} parameters, no training`,
  figures,
  notes: [
    `median of rounds 2–${ROUNDS} of each run (round 1 warms up); the round time includes every site's own SecAgg+ work (keys, shares, its mask — built while it downloads the model — and its quantised delta), which here runs on the same 2 cores as the coordinator, where real sites run it in parallel on their own machines; coordinator CPU is user + system of the coordinator's process from the run's start to its end, over all ${ROUNDS} rounds; key-stage bytes are the stage messages' payloads (keys, encrypted shares, revealed shares), before protobuf framing`,
    ...notes,
  ],
});
