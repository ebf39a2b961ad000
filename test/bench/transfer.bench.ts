/**
 * Model transfer benchmark (`npm run bench`): a 100 MB global model fetched and a 100 MB update submitted through
 * fedsift's chunked gRPC streams (FetchModel, SubmitUpdate) on loopback, against raw TCP on loopback moving the same
 * bytes both ways, measured in the same run. The claim is the ratio (target ≥ 0.50 of raw TCP throughput).
 */
import { createServer, connect, type Socket } from 'node:net';
import { CoordinatorLink } from '../../client-node/link/index.js';
import { MAX_CHUNK_BYTES } from '../../shared/codec/index.js';
import { DEFAULT_TRANSPORT } from '../../shared/config/index.js';
import { FixedModelRuntime } from '../helpers/fixed-runtime.js';
import { startTestCoordinator, waitForRound } from '../helpers/coordinators.js';

const PARAMS = 25_000_000; // 100 MB of float32
const BYTES = PARAMS * 4;

/** Seconds to send `bytes` to a loopback echo-less sink and receive `bytes` back over one raw TCP connection. */
async function rawTcp(bytes: number): Promise<number> {
  const payload = Buffer.alloc(bytes, 7);
  const server = createServer((s: Socket) => {
    let got = 0;
    s.on('data', (d: Buffer) => {
      got += d.length;
      if (got === bytes) s.end(payload);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  const started = performance.now();
  await new Promise<void>((resolve) => {
    const c = connect(port, '127.0.0.1', () => c.write(payload));
    let back = 0;
    c.on('data', (d: Buffer) => {
      back += d.length;
      if (back === bytes) resolve();
    });
  });
  const seconds = (performance.now() - started) / 1000;
  server.close();
  return seconds;
}

/** Seconds for one FetchModel of the global model and one SubmitUpdate of an update of the same size. */
async function grpcRound(): Promise<number> {
  const runtime = new FixedModelRuntime(PARAMS);
  const c = await startTestCoordinator({}, { runtime });
  const link = new CoordinatorLink(c.address, DEFAULT_TRANSPORT);
  try {
    const { clientId } = await link.join({ siteId: 'bench', token: '', capabilities: { numExamples: 1, backend: 'none', models: ['mlp'] } });
    const run = c.manager.startRun({ rounds: 1, clientsPerRound: 1, minClients: 1, model: 'mlp', roundDeadlineMs: 600_000 });
    await waitForRound(c, run.runId, 1);
    const started = performance.now();
    const { weights } = await link.fetchModel(run.runId, 1, clientId);
    await link.submitUpdate({ runId: run.runId, round: 1, clientId, numExamples: 1, metrics: {}, weights }, MAX_CHUNK_BYTES);
    return (performance.now() - started) / 1000;
  } finally {
    link.close();
    await c.close();
  }
}

console.log(`node ${process.version}, ${process.arch}, ${new Date().toISOString()}`);
const tcp = Math.min(await rawTcp(BYTES), await rawTcp(BYTES), await rawTcp(BYTES));
const grpc = Math.min(await grpcRound(), await grpcRound());
const mbs = (s: number) => ((2 * BYTES) / s / 1e6).toFixed(0);
console.log(`Model transfer, ${BYTES / 1e6} MB down + ${BYTES / 1e6} MB up on loopback (best of 3 / best of 2):`);
console.log(`  baseline raw TCP                               ${mbs(tcp)} MB/s`);
console.log(`  gRPC FetchModel + SubmitUpdate (1 MiB chunks)  ${mbs(grpc)} MB/s = ${(tcp / grpc).toFixed(2)} × raw TCP (target ≥ 0.50)`);
