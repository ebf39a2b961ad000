import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type { ClientReadableStream } from '@grpc/grpc-js';
import { describe, it } from 'node:test';
import { MAX_CHUNK_BYTES, type ModelWeights } from '../../shared/codec/index.js';
import type { ModelChunk } from '../../shared/proto/index.js';
import { FixedModelRuntime } from '../helpers/fixed-runtime.js';
import { startTestCoordinator, waitForRound, waitForRunState } from '../helpers/coordinators.js';
import { joinProtocolClients, rawCoordinatorStub, type TestClient } from '../helpers/protocol.js';

/** Records which ArrayBuffer each evaluated global model lives in. */
class BufferSpy extends FixedModelRuntime {
  readonly buffers: ArrayBufferLike[] = [];
  override async evaluate(model: string, weights: ModelWeights) {
    this.buffers.push(weights.values.buffer);
    return super.evaluate(model, weights);
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
      const run = c.manager.startRun({
        rounds: 3,
        clientsPerRound: 2,
        minClients: 2,
        model: 'mlp',
        roundDeadlineMs: 30_000,
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
      // Prepare: A starts its round-1 download and stalls; B plays three rounds alone (A times out)
      const runtime = new FixedModelRuntime(mib * 256 * 1024, false);
      const c = await startTestCoordinator({}, { runtime });
      const [a, b] = (await joinProtocolClients(c.address, 2)) as [TestClient, TestClient];
      const stub = rawCoordinatorStub<{ FetchModel(r: object): ClientReadableStream<ModelChunk> }>(c.address, a.link);
      try {
        const run = c.manager.startRun({
          rounds: 3,
          clientsPerRound: 2,
          minClients: 1,
          model: 'mlp',
          roundDeadlineMs: 2_000,
        });
        await waitForRound(c, run.runId, 1);
        const slow = stub.FetchModel({ runId: run.runId, round: 1, clientId: a.clientId });
        const hash = createHash('sha256');
        let declared = '';
        slow.on('data', (m: ModelChunk) => (m.header ? (declared = m.header.sha256) : hash.update(m.data!)));
        await once(slow, 'data');
        slow.pause();
        // Execute
        for (let r = 1; r <= 3; r++) {
          await waitForRound(c, run.runId, r);
          await fetchAndSubmit(b, run.runId, r, r);
        }
        await waitForRunState(c, run.runId, ['RUN_STATE_COMPLETED']);
        slow.resume();
        await once(slow, 'end');
        // Check: A's late download is still the round-1 model it started, byte for byte
        assert.equal(hash.digest('hex'), declared);
      } finally {
        stub.close();
        [a, b].forEach((x) => x.link.close());
        await c.close();
      }
    });
  }
});
