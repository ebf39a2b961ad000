/**
 * Model transfer benchmark: a 100 MB global model fetched and a 100 MB update submitted through fedsift's chunked gRPC
 * streams (FetchModel, SubmitUpdate: chunks, SHA-256 both ways, assembly into the model buffer, finite check, fold),
 * against a bare grpc-js stream of the same chunks with the same options (bare-grpc.ts) and raw TCP on loopback, all
 * three between the same two processes, back to back in every round (loopback throughput here swings 2–4× from minute
 * to minute, so only back-to-back figures compare). The CPU time (user + system) the coordinator process spends per
 * round is set against the bare server's for the same bytes (TransferCpu). gRPC-framed messages over Node's own HTTP/2
 * (bare-http2.ts) are measured apart. Targets: fedsift ≥ 0.8 × the bare stream's throughput, and ≤ 1.5 × its CPU per GB.
 */
import { cpus, loadavg } from 'node:os';
import { FixedModelRuntime } from '../helpers/fixed-runtime.js';
import { startTestCoordinator } from '../helpers/coordinators.js';
import { BARE_DOWN, BARE_UP, startBareServer } from './bare-grpc.js';
import { bareHttp2Seconds } from './bare-http2.js';
import { spawnPeer, tcpSink, type PairedSeconds, type TransferRound } from './peers.js';
import { emit, median } from './report.js';
import { TransferCpu } from './transfer-cpu.js';

const BYTES = 100e6;
const ROUNDS = 9;

/** ROUNDS rounds on one coordinator (steady state, as in a run), each after a raw TCP and a bare grpc-js transfer. */
async function transferRounds(
  tcpPort: number,
): Promise<{ rounds: TransferRound[]; cpu: TransferCpu; bareCpu: TransferCpu }> {
  const cpu = new TransferCpu('/fedsift.v1.Coordinator/FetchModel', '/fedsift.v1.Coordinator/SubmitUpdate');
  const bareCpu = new TransferCpu(BARE_DOWN, BARE_UP);
  const bare = await startBareServer(BYTES, [bareCpu.interceptor]);
  const c = await startTestCoordinator(
    {},
    { runtime: new FixedModelRuntime(BYTES / 4, false), interceptors: [cpu.interceptor] },
  );
  try {
    const site = spawnPeer<TransferRound[]>([
      '--transfer-site',
      c.address,
      String(tcpPort),
      String(BYTES),
      bare.address,
    ]);
    await c.manager.startRun({
      rounds: ROUNDS,
      clientsPerRound: 1,
      minClients: 1,
      model: 'mlp',
      roundDeadlineMs: 600_000,
    });
    return { rounds: await site, cpu, bareCpu };
  } finally {
    await c.close();
    bare.close();
  }
}

const mbs = (s: number) => `${((2 * BYTES) / s / 1e6).toFixed(0)} MB/s`;
/** CPU seconds per GB moved (received + sent), from CPU microseconds per round. */
const perGb = (us: number) => `${(us / 1e6 / ((2 * BYTES) / 1e9)).toFixed(2)} CPU s/GB`;
const list = (xs: readonly number[], f: (x: number) => string) => xs.map(f).join(', ');

const sink = await tcpSink(BYTES);
try {
  const loadBefore = loadavg()[0]!;
  const { rounds, cpu, bareCpu } = await transferRounds(sink.port);
  const loadAfter = loadavg()[0]!;
  const http2 = await bareHttp2Seconds(sink.port, BYTES, ROUNDS);
  const side = (k: keyof TransferRound) => rounds.map((r) => r[k]);
  const paired = (f: (r: TransferRound, i: number) => number) => median(rounds.map(f));
  const cpuRatios = cpu.windows.map((us, i) => us / bareCpu.windows[i]!);
  emit({
    title: `Model transfer: ${BYTES / 1e6} MB down + ${BYTES / 1e6} MB up on loopback, peer in another process`,
    figures: [
      {
        what: 'fedsift FetchModel + SubmitUpdate (1 MiB chunks)',
        value: mbs(median(side('fedsift'))),
        baseline: `bare grpc-js stream ${mbs(median(side('bare')))}`,
        ratio: paired((r) => r.bare / r.fedsift),
        target: { op: '≥', ratio: 0.8 },
      },
      {
        what: 'coordinator process CPU (user + system) per GB received and sent',
        value: perGb(median(cpu.windows)),
        baseline: `bare grpc-js server ${perGb(median(bareCpu.windows))}`,
        ratio: median(cpuRatios),
        target: { op: '≤', ratio: 1.5 },
      },
      {
        what: 'fedsift against raw TCP',
        value: mbs(median(side('fedsift'))),
        baseline: `raw TCP ${mbs(median(side('tcp')))}`,
        ratio: paired((r) => r.tcp / r.fedsift),
      },
      {
        what: 'bare grpc-js stream, same chunks and options, no fedsift logic',
        value: mbs(median(side('bare'))),
        baseline: `raw TCP ${mbs(median(side('tcp')))}`,
        ratio: paired((r) => r.tcp / r.bare),
      },
      {
        what: "gRPC-framed 1 MiB messages over Node's HTTP/2, no grpc-js, copied into one buffer, no hash",
        value: mbs(median(http2.map((p: PairedSeconds) => p.measured))),
        baseline: `raw TCP ${mbs(median(http2.map((p) => p.tcp)))}`,
        ratio: median(http2.map((p) => p.tcp / p.measured)),
      },
    ],
    notes: [
      `ratios: median over ${ROUNDS} rounds of the per-round ratio; in every round the site moves the bytes over raw TCP, then the bare grpc-js stream, then plays the fedsift round, each to this process; the MB/s columns are medians of each side alone`,
      `CPU: process.cpuUsage() of this process (every thread) from the first call of a transfer (FetchModel, Down) to the status of its last (SubmitUpdate's ack, Up's), by a grpc-js server interceptor on both servers`,
      `per round, fedsift / bare / TCP: ${rounds.map((r) => `${mbs(r.fedsift)} / ${mbs(r.bare)} / ${mbs(r.tcp)}`).join(', ')}`,
      `coordinator CPU per round: ${list(cpu.windows, perGb)}; bare server: ${list(bareCpu.windows, perGb)}`,
      `bare HTTP/2 per repeat (separate peer, after the rounds): ${http2.map((p) => `${mbs(p.measured)} vs TCP ${mbs(p.tcp)}`).join(', ')}`,
      `1-minute load average ${loadBefore.toFixed(1)} before the rounds, ${loadAfter.toFixed(1)} after, on ${cpus().length} cores: under load from other processes both paths slow down and the ratios move towards 1, so compare runs at similar load`,
      "fedsift's time runs from the fetch request to the update's ack: streaming, SHA-256 on both sides, assembly, value checks and the FedAvg fold",
    ],
  });
} finally {
  sink.close();
}
