import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { status, type ClientReadableStream } from '@grpc/grpc-js';
import { describe, it } from 'node:test';
import { MAX_CHUNK_BYTES, type ModelWeights } from '../../shared/codec/index.js';
import type { ModelChunk } from '../../shared/proto/index.js';
import { FixedModelRuntime } from '../helpers/fixed-runtime.js';
import { startTestCoordinator, waitForRound, waitForRunState } from '../helpers/coordinators.js';
import { joinProtocolClients, rawCoordinatorStub, refusal, type TestClient } from '../helpers/protocol.js';

/** Records which ArrayBuffer each evaluated global model lives in. */
class BufferSpy extends FixedModelRuntime {
  readonly buffers: ArrayBufferLike[] = [];
  override async evaluate(weights: ModelWeights) {
    this.buffers.push(weights.values.buffer);
    return super.evaluate(weights);
  }
}

async function fetchAndSubmit(x: TestClient, runId: string, round: number, value: number): Promise<void> {
  const { weights } = await x.link.fetchModel(runId, round, x.clientId);
  await x.link.submitUpdate(
    {
      runId,
      round,
      clientId: x.clientId,
      numExamples: 1,
      metrics: {},
      weights: { specs: weights.specs, values: weights.values.fill(value) },
    },
    MAX_CHUNK_BYTES,
  );
}

describe('global model buffers across rounds', () => {
  it("aggregates round 3 into round 1's retired global model buffer, with the right values", async () => {
    // Prepare
    const runtime = new BufferSpy(4);
    const c = await startTestCoordinator({}, { runtime });
    const [a, b] = (await joinProtocolClients(c.address, 2)) as [TestClient, TestClient];
    try {
      const run = await c.manager.startRun({
        rounds: 3,
        clientsPerRound: 2,
        minClients: 2,
        model: 'mlp',
        roundDeadlineMs: 600_000, // never reached: both clients answer every round
      });
      // Execute
      for (let r = 1; r <= 3; r++) {
        await waitForRound(c, run.runId, r);
        await Promise.all([fetchAndSubmit(a, run.runId, r, r), fetchAndSubmit(b, run.runId, r, r + 2)]);
      }
      await waitForRunState(c, run.runId, ['RUN_STATE_COMPLETED']);
      // Check: means 2, 3, 4; round 3's model is written where round 1's was (no model-sized allocation)
      assert.deepEqual(
        runtime.evaluated.map((w) => w.values[0]),
        [2, 3, 4],
      );
      assert.equal(runtime.buffers[2], runtime.buffers[0]);
      assert.notEqual(runtime.buffers[1], runtime.buffers[0]);
    } finally {
      [a, b].forEach((x) => x.link.close());
      await c.close();
    }
  });

  // 26 MiB: the server has queued every chunk (views of the model) when A stalls; 64 MiB: it still waits for 'drain'
  for (const mib of [26, 64]) {
    it(`never reuses a ${mib} MiB global model that a FetchModel stream is still reading, however late the reader`, async () => {
      // Prepare: A starts its round-1 download and stalls; B plays three rounds alone. A answers each round at once
      // with an update the coordinator refuses, so no round waits for a deadline (however slow the machine).
      const runtime = new FixedModelRuntime(mib * 256 * 1024, false);
      const c = await startTestCoordinator({}, { runtime });
      const [a, b] = (await joinProtocolClients(c.address, 2)) as [TestClient, TestClient];
      const stub = rawCoordinatorStub<{ FetchModel(r: object): ClientReadableStream<ModelChunk> }>(c.address, a.link);
      let slow: ClientReadableStream<ModelChunk> | undefined;
      try {
        const run = await c.manager.startRun({
          rounds: 3,
          clientsPerRound: 2,
          minClients: 1,
          model: 'mlp',
          roundDeadlineMs: 600_000,
        });
        await waitForRound(c, run.runId, 1);
        slow = stub.FetchModel({ runId: run.runId, round: 1, clientId: a.clientId });
        const failed = new Promise<Error>((resolve) => slow!.once('error', resolve));
        const hash = createHash('sha256');
        let declared = '';
        slow.on('data', (m: ModelChunk) => (m.header ? (declared = m.header.sha256) : hash.update(m.data!)));
        await once(slow, 'data');
        slow.pause();
        // Execute
        for (let r = 1; r <= 3; r++) {
          await waitForRound(c, run.runId, r);
          await Promise.all([refuseMalformed(a, run.runId, r), fetchAndSubmit(b, run.runId, r, r)]);
        }
        const done = await waitForRunState(c, run.runId, ['RUN_STATE_COMPLETED', 'RUN_STATE_FAILED']);
        assert.deepEqual(
          done.rounds.map((x) => x.responded),
          [1, 1, 1],
          done.error,
        );
        slow.resume();
        const ended = await Promise.race([once(slow, 'end').then(() => undefined), failed]);
        // Check: A's late download is still the round-1 model it started, byte for byte
        assert.equal(ended, undefined, `the late download failed: ${ended?.message}`);
        assert.equal(hash.digest('hex'), declared);
      } finally {
        slow?.cancel(); // a no-op once it ended; its CANCELLED goes to the 'error' listener above, not uncaught
        stub.close();
        [a, b].forEach((x) => x.link.close());
        await c.close();
      }
    });
  }
});

/** `x` answers round `round` with a one-value update of the wrong shape: refused (INVALID_ARGUMENT), x fails it. */
async function refuseMalformed(x: TestClient, runId: string, round: number): Promise<void> {
  const malformed = { specs: [{ name: 'w', shape: [1], dtype: 'float32' as const }], values: new Float32Array(1) };
  const err = await refusal(
    x.link.submitUpdate(
      { runId, round, clientId: x.clientId, numExamples: 1, metrics: {}, weights: malformed },
      MAX_CHUNK_BYTES,
    ),
  );
  assert.equal(err?.code, status.INVALID_ARGUMENT, err?.message);
}
