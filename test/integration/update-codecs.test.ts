import assert from 'node:assert/strict';
import { status, type ServiceError } from '@grpc/grpc-js';
import { describe, it } from 'node:test';
import {
  encodeUpdate,
  encodeUpdateLazily,
  forEachDecodedBlock,
  MAX_CHUNK_BYTES,
  parseCodecSpec,
  type CodecSpec,
} from '../../shared/codec/index.js';
import { codecToWire } from '../../shared/proto/index.js';
import { createRng } from '../../shared/random/index.js';
import { waitForRunState } from '../helpers/coordinators.js';
import { protocolFixture, refusal, type ProtocolFixture, type TestClient } from '../helpers/protocol.js';

/** What a site sends for `round`: weights `train(global)` encoded with `codec` against the global model it fetched. */
async function encodedUpdate(
  f: ProtocolFixture,
  c: TestClient,
  round: number,
  train: (global: Float32Array) => Float32Array,
  codec: CodecSpec,
) {
  const { weights: global } = await c.link.fetchModel(f.runId, round, c.clientId);
  const { bytes, nonzeros } = encodeUpdate(codec, train(global.values), global.values);
  const update = {
    runId: f.runId,
    round,
    clientId: c.clientId,
    numExamples: 100,
    metrics: {},
    specs: f.runtime.specs,
    payload: bytes,
    codec: codecToWire(codec, nonzeros),
  };
  return { update, global: global.values };
}

/** The values the coordinator folds for an update: its global model plus the decoded delta (float32, n values). */
// nonzeros: the top-k entries the update holds (ignored by the dense codecs).
function decoded(codec: CodecSpec, payload: Uint8Array, nonzeros: number, global: Float32Array): Float32Array {
  const x = new Float32Array(global.length);
  forEachDecodedBlock(codec, payload, global.length, nonzeros, global, (offset, block) => x.set(block, offset));
  return x;
}

const weightsNear = (global: Float32Array, seed: number) => {
  const rng = createRng(seed);
  return global.map((g) => g + (rng.next() - 0.5) * 0.2);
};

describe('update codecs over gRPC', () => {
  it('folds int8 updates as global + decoded delta (FedAvg of two sites), from an fp16 global model', async () => {
    const codec = parseCodecSpec('int8:64');
    const f = await protocolFixture({
      numParams: 1000,
      clients: 2,
      run: { minClients: 2, updateCodec: 'int8:64', downloadCodec: 'fp16' },
    });
    try {
      const [a, b] = f.clients as [TestClient, TestClient];
      const sent = [];
      for (const [i, c] of [a, b].entries()) {
        const { update, global } = await encodedUpdate(f, c, 1, (g) => weightsNear(g, i), codec);
        // The initial model holds small integers (i mod 7): exact in binary16.
        assert.deepEqual([...global.slice(0, 8)], [0, 1, 2, 3, 4, 5, 6, 0]);
        assert.equal(update.payload.byteLength, 1000 + 4 * Math.ceil(1000 / 64));
        sent.push(decoded(codec, update.payload, 0, global));
        assert.equal((await c.link.submitUpdate(update, MAX_CHUNK_BYTES)).accepted, true);
      }
      const s = await waitForRunState(f.coordinator, f.runId, ['RUN_STATE_COMPLETED']);
      const mean = f.runtime.evaluated[0]!.values;
      for (let i = 0; i < 1000; i++)
        assert.ok(Math.abs(mean[i]! - (sent[0]![i]! + sent[1]![i]!) / 2) < 1e-5, `value ${i}`);
      assert.equal(s.rounds[0]!.updateBytes, 2 * (1000 + 4 * 16));
      assert.equal(s.rounds[0]!.rawUpdateBytes, 2 * 4000);
    } finally {
      await f.close();
    }
  });

  it('folds an update encoded chunk by chunk as it is sent; one whose encoding fails mid-upload is refused to the site and counts for nothing', async () => {
    const codec = parseCodecSpec('int8:64');
    const f = await protocolFixture({ numParams: 1000, clients: 2, run: { minClients: 2, updateCodec: 'int8:64' } });
    try {
      const [a, b] = f.clients as [TestClient, TestClient];
      const sent = [];
      for (const [i, c] of [a, b].entries()) {
        const { update, global } = await encodedUpdate(f, c, 1, (g) => weightsNear(g, i), codec);
        if (c === b) {
          const broken = global.map((g, j) => (j === 900 ? NaN : g));
          const lazy = encodeUpdateLazily(codec, broken, global);
          const upload = c.link.submitUpdate({ ...update, encodeTo: lazy.encodeTo, payload: lazy.bytes }, 128);
          await assert.rejects(upload, /update value 900: w − g = NaN is not finite/);
        }
        const lazy = encodeUpdateLazily(codec, weightsNear(global, i), global);
        assert.deepEqual(lazy.bytes.subarray(-64), new Uint8Array(64), 'nothing encoded before the upload asks');
        sent.push(decoded(codec, update.payload, 0, global));
        const ack = await c.link.submitUpdate({ ...update, encodeTo: lazy.encodeTo, payload: lazy.bytes }, 128);
        assert.equal(ack.accepted, true);
      }
      const s = await waitForRunState(f.coordinator, f.runId, ['RUN_STATE_COMPLETED']);
      assert.equal(s.rounds[0]!.responded, 2);
      const mean = f.runtime.evaluated[0]!.values;
      for (let i = 0; i < 1000; i++)
        assert.ok(Math.abs(mean[i]! - (sent[0]![i]! + sent[1]![i]!) / 2) < 1e-5, `value ${i}`);
    } finally {
      await f.close();
    }
  });

  it('refuses an update of another codec, a top-k update with too many entries, and one past maxUpdateNorm (decoded)', async () => {
    const f = await protocolFixture({
      numParams: 1000,
      clients: 3,
      run: { minClients: 1, updateCodec: 'topk:0.1', maxUpdateNorm: 1 },
    });
    try {
      const [a, b, c] = f.clients as [TestClient, TestClient, TestClient];
      const int8 = await encodedUpdate(f, a, 1, (g) => g.slice(), parseCodecSpec('int8'));
      const other = await refusal(a.link.submitUpdate(int8.update, MAX_CHUNK_BYTES));
      assert.equal(other?.code, status.INVALID_ARGUMENT);
      assert.match(other!.details, /update encoded with int8, the round takes topk:0\.1/);

      const topk = parseCodecSpec('topk:0.1');
      const far = await encodedUpdate(f, b, 1, (g) => g.map((x) => x + 50), topk);
      const tooMany = { ...far.update, codec: { ...far.update.codec, nonzeros: 101 } };
      const entries = await refusal(b.link.submitUpdate(tooMany, MAX_CHUNK_BYTES));
      assert.equal(entries?.code, status.INVALID_ARGUMENT);
      assert.match(entries!.details, /101 top-k entries, topk:0\.1 of 1000 parameters sends 1 to 100/);
      const norm = await refusal(b.link.submitUpdate(far.update, MAX_CHUNK_BYTES));
      assert.equal((norm as ServiceError | undefined)?.code, status.INVALID_ARGUMENT);
      assert.match(norm!.details, /exceeds the run's maxUpdateNorm 1/);

      const near = await encodedUpdate(f, c, 1, (g) => weightsNear(g, 3), topk);
      assert.equal((await c.link.submitUpdate(near.update, MAX_CHUNK_BYTES)).accepted, true);
      const s = await waitForRunState(f.coordinator, f.runId, ['RUN_STATE_COMPLETED']);
      assert.equal(s.rounds[0]!.responded, 1);
      const expected = decoded(topk, near.update.payload, near.update.codec.nonzeros, near.global);
      assert.deepEqual([...f.runtime.evaluated[0]!.values], [...expected]);
    } finally {
      await f.close();
    }
  });
});
