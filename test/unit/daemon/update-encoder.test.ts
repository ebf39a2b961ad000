import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UpdateEncoder } from '../../../client-node/daemon/index.js';
import { forEachDecodedBlock, parseCodecSpec, type ModelWeights } from '../../../shared/codec/index.js';
import { codecToWire, type RoundAnnouncement } from '../../../shared/proto/index.js';

const specs = [{ name: 'w', shape: [8], dtype: 'float32' as const }];
const weights = (values: number[]): ModelWeights => ({ specs, values: new Float32Array(values) });
const round = (runId: string, codec: string) =>
  ({ runId, round: 1, fit: { updateCodec: codecToWire(parseCodecSpec(codec)) } }) as RoundAnnouncement;

/** The delta an encoded top-k update carries (decoded against a zero global model). */
function sentDelta(payload: Uint8Array, nonzeros: number, codec: string): number[] {
  const out = new Float32Array(8);
  forEachDecodedBlock(parseCodecSpec(codec), payload, 8, nonzeros, new Float32Array(8), (o, b) => out.set(b, o));
  return [...out];
}

describe('UpdateEncoder', () => {
  it("carries what a top-k update did not send into the site's next update of the run, once the first was delivered", () => {
    // Prepare: top-k of 8 values sends 2 (fraction 0.25); the delta is 1…8 against a zero global model
    const enc = new UpdateEncoder();
    const global = weights([0, 0, 0, 0, 0, 0, 0, 0]);
    const a = round('run-1', 'topk:0.25');
    // Execute: the first update sends 8 and 7; it is delivered; the second update's delta is 0 everywhere
    const first = enc.encode(a, weights([1, 2, 3, 4, 5, 6, 7, 8]), global);
    first.delivered();
    const second = enc.encode(a, weights([0, 0, 0, 0, 0, 0, 0, 0]), global);
    // Check: the second sends the largest of what the first left behind (6 and 5)
    assert.deepEqual(sentDelta(first.payload, first.codec.nonzeros, 'topk:0.25'), [0, 0, 0, 0, 0, 0, 7, 8]);
    assert.deepEqual(sentDelta(second.payload, second.codec.nonzeros, 'topk:0.25'), [0, 0, 0, 0, 5, 6, 0, 0]);
  });

  it('keeps the residual as it was when an update is not delivered, and keeps it per run', () => {
    const enc = new UpdateEncoder();
    const global = weights([0, 0, 0, 0, 0, 0, 0, 0]);
    const zero = weights([0, 0, 0, 0, 0, 0, 0, 0]);
    enc.encode(round('run-1', 'topk:0.25'), weights([1, 2, 3, 4, 5, 6, 7, 8]), global); // never delivered
    const again = enc.encode(round('run-1', 'topk:0.25'), zero, global);
    const other = enc.encode(round('run-2', 'topk:0.25'), zero, global);
    assert.deepEqual(sentDelta(again.payload, again.codec.nonzeros, 'topk:0.25'), [0, 0, 0, 0, 0, 0, 0, 0]);
    assert.deepEqual(sentDelta(other.payload, other.codec.nonzeros, 'topk:0.25'), [0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('refuses a round whose codec this build cannot encode, naming it', () => {
    const a = { runId: 'r', round: 3, fit: { updateCodec: { kind: 'zstd', blockSize: 0, fraction: 0, nonzeros: 0 } } };
    assert.throws(
      () =>
        new UpdateEncoder().encode(
          a as RoundAnnouncement,
          weights([0, 0, 0, 0, 0, 0, 0, 0]),
          weights([0, 0, 0, 0, 0, 0, 0, 0]),
        ),
      /round 3 announces codec "zstd"/,
    );
  });
});
