/**
 * Model transfer benchmark: a 100 MB global model fetched and a 100 MB update submitted through fedsift's chunked gRPC
 * streams (FetchModel, SubmitUpdate: chunks, SHA-256 both ways, assembly into the model buffer, finite check, fold),
 * against raw TCP on loopback moving the same bytes both ways and against a bare grpc-js stream of the same chunks
 * (bare-grpc.ts), in the same run. In both the peer is another process,
 * as a site is. Target: ≥ 0.50 of raw TCP throughput.
 */
import { FixedModelRuntime } from '../helpers/fixed-runtime.js';
import { startTestCoordinator } from '../helpers/coordinators.js';
import { bareGrpcSeconds } from './bare-grpc.js';
import { rawTcpSeconds, spawnSimulators } from './peers.js';
import { emit } from './report.js';

const BYTES = 100e6;
const REPEATS = 4;

/** Seconds of each round's fetch + submit, REPEATS rounds on one coordinator (steady state, as in a run). */
async function grpcSeconds(): Promise<number[]> {
  const c = await startTestCoordinator({}, { runtime: new FixedModelRuntime(BYTES / 4, false) });
  try {
    const site = spawnSimulators(c.address, 1, 1);
    c.manager.startRun({ rounds: REPEATS, clientsPerRound: 1, minClients: 1, model: 'mlp', roundDeadlineMs: 600_000 });
    const [report] = await site;
    if (report!.errors.length) throw new Error(`site errors: ${report!.errors.join('; ')}`);
    return report!.firstSiteRoundSeconds;
  } finally {
    await c.close();
  }
}

const tcp = Math.min(...(await rawTcpSeconds(BYTES, 1, 1, REPEATS)));
const bare = Math.min(...(await bareGrpcSeconds(BYTES, REPEATS)));
const grpcRounds = await grpcSeconds();
const grpc = Math.min(...grpcRounds);
const mbs = (s: number) => `${((2 * BYTES) / s / 1e6).toFixed(0)} MB/s`;
emit({
  title: `Model transfer: ${BYTES / 1e6} MB down + ${BYTES / 1e6} MB up on loopback, peer in another process`,
  figures: [
    { what: 'gRPC FetchModel + SubmitUpdate (1 MiB chunks)', value: mbs(grpc), baseline: `raw TCP ${mbs(tcp)}`, ratio: tcp / grpc, target: { op: '≥', ratio: 0.5 } },
    { what: 'bare grpc-js stream, same chunks and options, no fedsift logic', value: mbs(bare), baseline: `raw TCP ${mbs(tcp)}`, ratio: tcp / bare },
    { what: 'gRPC FetchModel + SubmitUpdate', value: mbs(grpc), baseline: `bare grpc-js ${mbs(bare)}`, ratio: bare / grpc },
  ],
  notes: [
    `best of ${REPEATS} each; gRPC per round: ${grpcRounds.map(mbs).join(', ')}`,
    "gRPC time runs from the fetch request to the update's ack: streaming, SHA-256 on both sides, assembly, finite check and FedAvg fold",
  ],
});
