import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_CHUNK_BYTES } from '../../shared/codec/index.js';
import { waitForRound } from '../helpers/coordinators.js';
import { protocolFixture, update, type TestClient } from '../helpers/protocol.js';

const PARAMS = 2 * 1024 * 1024; // 8 MiB updates: several chunks each, so concurrent uploads overlap
const MODEL_BYTES = PARAMS * 4;

/** Three sites submit 8 MiB updates of 1, 2 and 3 at once; resolves with the upload memory's peak and round 1's mean. */
async function threeUploads(coordinator: Record<string, unknown>): Promise<{ peak: number; mean: number[] }> {
  const f = await protocolFixture({ numParams: PARAMS, clients: 3, run: { minClients: 3, rounds: 2 }, coordinator });
  try {
    const sites = f.clients as TestClient[];
    const acks = await Promise.all(sites.map((s, i) => s.link.submitUpdate(update(f, s, 1, new Float32Array(PARAMS).fill(i + 1)), MAX_CHUNK_BYTES)));
    assert.ok(acks.every((a) => a.accepted));
    await waitForRound(f.coordinator, f.runId, 2);
    const evaluated = f.runtime.evaluated[0]!.values;
    return { peak: f.coordinator.uploads.peakBytes, mean: [evaluated[0]!, evaluated[PARAMS - 1]!] };
  } finally {
    await f.close();
  }
}

describe('upload memory (uploadBufferBytes)', () => {
  it('receives concurrent updates one at a time when only one fits, and still aggregates all of them', async () => {
    // Execute: the default bound holds all three; a bound of 1.5 updates holds one
    const open = await threeUploads({});
    const tight = await threeUploads({ uploadBufferBytes: 1.5 * MODEL_BYTES });
    // Check: the three uploads overlap when they may; under the bound the others waited, paused, and all were folded
    assert.ok(open.peak >= 2 * MODEL_BYTES, `uploads overlapped: peak ${open.peak}`);
    assert.equal(tight.peak, MODEL_BYTES);
    assert.deepEqual(tight.mean, [2, 2]);
    assert.deepEqual(open.mean, [2, 2]);
  });
});
