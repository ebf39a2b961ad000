import assert from 'node:assert/strict';
import { Client, credentials, type MethodDefinition } from '@grpc/grpc-js';
import { describe, it } from 'node:test';
import { CoordinatorLink } from '../../client-node/link/index.js';
import { MAX_CHUNK_BYTES } from '../../shared/codec/index.js';
import { DEFAULT_TRANSPORT } from '../../shared/config/index.js';
import { loadFedsiftProto } from '../../shared/proto/index.js';
import { createRng, type Rng } from '../../shared/random/index.js';
import { FixedModelRuntime } from '../helpers/fixed-runtime.js';
import { startTestCoordinator, waitFor, waitForRound, waitForRunState } from '../helpers/coordinators.js';

type AnyMethod = MethodDefinition<unknown, unknown>;
const identity = (b: Buffer) => b;
/** Calls made against every RPC (bounded: the test's length does not depend on the machine's speed). */
const CALLS = 1_500;

/** Well-formed request objects per method, the seeds of the mutations. */
const SEEDS: Record<string, unknown[]> = {
  Join: [
    {
      siteId: 'fuzz-site',
      token: 't',
      capabilities: { numExamples: 10, backend: 'x', numFeatures: 784, numLabelClasses: 10, schemaSha256: '' },
    },
  ],
  Heartbeat: [{ clientId: 'c-000000000000' }],
  WatchRounds: [{ clientId: 'c-000000000000' }],
  FetchModel: [{ runId: 'run-x', round: 1, clientId: 'c-000000000000' }],
  SubmitUpdate: [
    {
      header: {
        runId: 'run-x',
        round: 1,
        clientId: 'c-000000000000',
        numExamples: 5,
        metrics: { a: 1 },
        tensors: [{ name: 'fixed/kernel', shape: [2], dtype: 'float32' }],
        totalBytes: 8,
        sha256: 'ab',
      },
    },
    { data: Buffer.from([0, 0, 128, 63, 0, 0, 0, 64]) },
  ],
  ReportEvaluation: [
    { runId: 'run-x', round: 1, clientId: 'c-000000000000', numExamples: 3, loss: 0.5, metrics: { accuracy: 1 } },
  ],
  FetchRunSpec: [{ runId: 'run-x', clientId: 'c-000000000000' }],
  SubmitStatistics: [
    {
      runId: 'run-x',
      clientId: 'c-000000000000',
      rows: 20,
      numeric: [{ name: 'x', count: 20, sum: 3, sumSquares: 9, min: -1, max: 2 }],
      categorical: [{ name: 'c', counts: [15, 4], missing: 1 }],
    },
  ],
  CheckSite: [{ siteId: 'fuzz-site', token: 't', protocolVersion: 2 }],
  StartRun: [{ configJson: '{"rounds": 1, "model": "mlp", "waitForClientsMs": 0}' }],
  GetRun: [{ runId: 'run-x' }],
  ListRuns: [{}],
  StopRun: [{ runId: 'run-x' }],
  WatchRun: [{ runId: 'run-x' }],
};

/** Random bytes, or a valid message with bytes flipped, cut or appended. */
function fuzzPayload(rng: Rng, method: AnyMethod, name: string): Buffer {
  const int = (n: number) => Math.floor(rng.next() * n);
  const seeds = SEEDS[name] ?? [{}];
  const valid = Buffer.from(method.requestSerialize(seeds[int(seeds.length)]));
  switch (int(4)) {
    case 0:
      return Buffer.from(Array.from({ length: int(200) }, () => int(256)));
    case 1: {
      const b = Buffer.from(valid);
      for (let k = 0; k < 1 + int(4) && b.length; k++) b[int(b.length)] = int(256);
      return b;
    }
    case 2:
      return valid.subarray(0, int(valid.length + 1));
    default:
      return Buffer.concat([valid, Buffer.from(Array.from({ length: 1 + int(16) }, () => int(256)))]);
  }
}

/** One call with a fuzzed payload; resolves however the server answers (errors are the expected outcome). */
function fuzzCall(client: Client, rng: Rng, name: string, m: AnyMethod): Promise<void> {
  const deadline = Date.now() + 2_000;
  return new Promise((resolve) => {
    const done = () => resolve();
    if (m.requestStream) {
      const call = client.makeClientStreamRequest(m.path, identity, identity, { deadline }, done);
      for (let k = 0; k < 1 + Math.floor(rng.next() * 3); k++) call.write(fuzzPayload(rng, m, name));
      call.end();
    } else if (m.responseStream) {
      const call = client.makeServerStreamRequest(m.path, identity, identity, fuzzPayload(rng, m, name), { deadline });
      call.on('data', () => call.cancel());
      call.on('error', done);
      call.on('end', done);
    } else client.makeUnaryRequest(m.path, identity, identity, fuzzPayload(rng, m, name), { deadline }, done);
  });
}

describe('fuzzing every RPC with random and mutated protobuf bytes', () => {
  it('the coordinator keeps serving and then completes a healthy run', async () => {
    // Prepare: short client timeout so the fuzz clients that joined expire before the healthy run selects.
    const runtime = new FixedModelRuntime(2);
    const c = await startTestCoordinator({ heartbeatIntervalMs: 200, clientTimeoutMs: 1_000 }, { runtime });
    const raw = new Client(c.address, credentials.createInsecure());
    const proto = loadFedsiftProto();
    const methods = [...Object.entries(proto.coordinatorService), ...Object.entries(proto.adminService)] as [
      string,
      AnyMethod,
    ][];
    const rng = createRng(20261130);
    try {
      // Execute
      for (let i = 0; i < CALLS; i++) {
        const [name, m] = methods[i % methods.length]!;
        await fuzzCall(raw, rng, name, m);
      }
      await waitFor('fuzz clients expired', () => (c.liveClients() === 0 ? true : undefined));
      for (const r of c.manager.list()) r.stop();
      const links = [0, 1].map(() => new CoordinatorLink(c.address, DEFAULT_TRANSPORT));
      const ids = await Promise.all(
        links.map((l, i) =>
          l.join({
            siteId: `healthy-${i}`,
            token: '',
            capabilities: { numExamples: 10, backend: 'none', numFeatures: 784, numLabelClasses: 10, schemaSha256: '' },
          }),
        ),
      );
      const run = await c.manager.startRun({
        rounds: 1,
        clientsPerRound: 2,
        minClients: 2,
        model: 'mlp',
        roundDeadlineMs: 20_000,
      });
      await waitForRound(c, run.runId, 1);
      const specs = runtime.specs;
      await Promise.all(
        links.map((l, i) =>
          l.submitUpdate(
            {
              runId: run.runId,
              round: 1,
              clientId: ids[i]!.clientId,
              numExamples: 1,
              metrics: {},
              weights: { specs, values: Float32Array.from([i, i]) },
            },
            MAX_CHUNK_BYTES,
          ),
        ),
      );
      const s = await waitForRunState(c, run.runId, ['RUN_STATE_COMPLETED', 'RUN_STATE_FAILED']);
      links.forEach((l) => l.close());
      // Assert
      assert.equal(s.state, 'RUN_STATE_COMPLETED', s.error);
      assert.deepEqual([...runtime.evaluated.at(-1)!.values], [0.5, 0.5]);
      assert.match(await c.metrics.expose(), /fedsift_rounds_completed_total\{run="[^"]+"\} 1/);
    } finally {
      raw.close();
      await c.close();
    }
  });
});
