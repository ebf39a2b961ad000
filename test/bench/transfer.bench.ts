/**
 * Model transfer benchmark: a 100 MB global model fetched and a 100 MB update submitted through fedsift's chunked gRPC
 * streams (FetchModel, SubmitUpdate: chunks, SHA-256 both ways, assembly into the model buffer, finite check, fold),
 * against raw TCP on loopback moving the same bytes both ways between the same two processes right before each
 * round (loopback TCP throughput here swings 2–4× from minute to minute, so only back-to-back pairs compare), and
 * against a bare grpc-js stream of the same chunks (bare-grpc.ts) and gRPC-framed messages over Node's own HTTP/2
 * (bare-http2.ts), paired the same way. Target: ≥ 0.50 of raw TCP.
 */
import { FixedModelRuntime } from '../helpers/fixed-runtime.js';
import { startTestCoordinator } from '../helpers/coordinators.js';
import { bareGrpcSeconds } from './bare-grpc.js';
import { bareHttp2Seconds } from './bare-http2.js';
import { spawnPeer, tcpSink, type PairedSeconds } from './peers.js';
import { emit, median } from './report.js';

const BYTES = 100e6;
const REPEATS = 5;

/** REPEATS rounds on one coordinator (steady state, as in a run), each paired with a raw TCP transfer. */
async function fedsiftPairs(tcpPort: number): Promise<PairedSeconds[]> {
  const c = await startTestCoordinator({}, { runtime: new FixedModelRuntime(BYTES / 4, false) });
  try {
    const site = spawnPeer<PairedSeconds[]>(['--transfer-site', c.address, String(tcpPort), String(BYTES)]);
    await c.manager.startRun({
      rounds: REPEATS,
      clientsPerRound: 1,
      minClients: 1,
      model: 'mlp',
      roundDeadlineMs: 600_000,
    });
    return await site;
  } finally {
    await c.close();
  }
}

const mbs = (s: number) => `${((2 * BYTES) / s / 1e6).toFixed(0)} MB/s`;
const summary = (pairs: PairedSeconds[]) => pairs.map((p) => `${mbs(p.measured)} vs ${mbs(p.tcp)}`).join(', ');

const sink = await tcpSink(BYTES);
try {
  const fedsift = await fedsiftPairs(sink.port);
  const bare = await bareGrpcSeconds(sink.port, BYTES, REPEATS);
  const http2 = await bareHttp2Seconds(sink.port, BYTES, REPEATS);
  const ratio = (pairs: PairedSeconds[]) => median(pairs.map((p) => p.tcp / p.measured));
  const bareRatio = ratio(bare);
  emit({
    title: `Model transfer: ${BYTES / 1e6} MB down + ${BYTES / 1e6} MB up on loopback, peer in another process`,
    figures: [
      {
        what: 'gRPC FetchModel + SubmitUpdate (1 MiB chunks)',
        value: mbs(median(fedsift.map((p) => p.measured))),
        baseline: `raw TCP ${mbs(median(fedsift.map((p) => p.tcp)))}`,
        ratio: ratio(fedsift),
        target: { op: '≥', ratio: 0.5 },
      },
      {
        what: 'bare grpc-js stream, same chunks and options, no fedsift logic',
        value: mbs(median(bare.map((p) => p.measured))),
        baseline: `raw TCP ${mbs(median(bare.map((p) => p.tcp)))}`,
        ratio: bareRatio,
      },
      {
        what: 'fedsift path as a share of the bare grpc-js stream',
        value: `${(ratio(fedsift) / bareRatio).toFixed(2)}`,
      },
      {
        what: "gRPC-framed 1 MiB messages over Node's HTTP/2, no grpc-js, copied into one buffer, no hash",
        value: mbs(median(http2.map((p) => p.measured))),
        baseline: `raw TCP ${mbs(median(http2.map((p) => p.tcp)))}`,
        ratio: ratio(http2),
      },
    ],
    notes: [
      `ratios: median over ${REPEATS} rounds of (raw TCP time ÷ gRPC time), each TCP transfer taken just before its round, between the same processes; the MB/s columns are medians of each side alone`,
      `fedsift per round (gRPC vs TCP): ${summary(fedsift)}`,
      `bare grpc-js per repeat: ${summary(bare)}`,
      `bare HTTP/2 per repeat: ${summary(http2)}`,
      "gRPC time runs from the fetch request to the update's ack: streaming, SHA-256 on both sides, assembly, finite check and FedAvg fold",
    ],
  });
} finally {
  sink.close();
}
