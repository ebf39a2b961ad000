import assert from 'node:assert/strict';
import { status, type MethodDefinition, type ServiceError } from '@grpc/grpc-js';
import { describe, it } from 'node:test';
import { MAX_CHUNK_BYTES, sha256Hex, totalBytes } from '../../shared/codec/index.js';
import { loadFedsiftProto, type UpdateChunk } from '../../shared/proto/index.js';
import { waitForRound } from '../helpers/coordinators.js';
import {
  protocolFixture,
  rawCoordinatorStub,
  update,
  type ProtocolFixture,
  type TestClient,
} from '../helpers/protocol.js';

const PARAMS = 2 * 1024 * 1024; // 8 MiB updates: several chunks each, so concurrent uploads overlap
const MODEL_BYTES = PARAMS * 4;

/** Three sites submit 8 MiB updates of 1, 2 and 3 at once; resolves with the upload memory's peak and round 1's mean. */
async function threeUploads(coordinator: Record<string, unknown>): Promise<{ peak: number; mean: number[] }> {
  const f = await protocolFixture({ numParams: PARAMS, clients: 3, run: { minClients: 3, rounds: 2 }, coordinator });
  try {
    const sites = f.clients as TestClient[];
    const acks = await Promise.all(
      sites.map((s, i) => s.link.submitUpdate(update(f, s, 1, new Float32Array(PARAMS).fill(i + 1)), MAX_CHUNK_BYTES)),
    );
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

/** Starts `site`'s round-1 upload, sends its header and first chunk, then stalls; resolves with how the call ended. */
function stalledUpload(f: ProtocolFixture, site: TestClient, deadlineMs: number): Promise<ServiceError | null> {
  const submit = loadFedsiftProto().coordinatorService.SubmitUpdate as MethodDefinition<UpdateChunk, unknown>;
  const client = rawCoordinatorStub<object>(f.coordinator.address, site.link); // the site's session, on a channel of its own
  const values = new Float32Array(PARAMS).fill(1);
  const bytes = new Uint8Array(values.buffer);
  const { weights: _, ...fields } = update(f, site, 1, values);
  const header = {
    ...fields,
    tensors: f.runtime.specs.map((s) => ({ ...s, shape: [...s.shape] })),
    totalBytes: totalBytes(f.runtime.specs),
    sha256: sha256Hex(bytes),
  };
  return new Promise((resolve) => {
    const done = (err: ServiceError | null) => (client.close(), resolve(err));
    const call = client.makeClientStreamRequest(
      submit.path,
      submit.requestSerialize,
      submit.responseDeserialize,
      { deadline: Date.now() + deadlineMs },
      done,
    );
    call.write({ header } satisfies UpdateChunk);
    call.write({ data: bytes.subarray(0, MAX_CHUNK_BYTES) } satisfies UpdateChunk);
  });
}

describe('uploads still running when their round closes', () => {
  it('are answered at once with FAILED_PRECONDITION, the one receiving and the one waiting for memory, and free it', async () => {
    // Prepare: room for one upload at a time; round 1 closes at its 4 s deadline while both sites' uploads stall
    const f = await protocolFixture({
      numParams: PARAMS,
      clients: 2,
      run: { minClients: 1, roundDeadlineMs: 4_000 },
      coordinator: { uploadBufferBytes: 1.5 * MODEL_BYTES },
    });
    try {
      // Execute: the calls' own deadlines (30 s) are far later than the round's: without the refusal at close they
      // would end DEADLINE_EXCEEDED
      const errors = await Promise.all(f.clients.map((site) => stalledUpload(f, site, 30_000)));
      // Check: both refused as closed when the round closed, not left open until the clients' deadlines; memory free
      for (const err of errors) {
        assert.equal(err?.code, status.FAILED_PRECONDITION, `ended with ${err?.code}: ${err?.details}`);
        assert.match(err!.details, /no longer accepts updates/);
      }
      assert.equal(f.coordinator.uploads.peakBytes, MODEL_BYTES, 'one upload was receiving, the other waiting');
      assert.equal(f.coordinator.uploads.inUseBytes, 0);
      assert.equal(f.coordinator.uploads.waiting, 0);
    } finally {
      await f.close();
    }
  });
});
