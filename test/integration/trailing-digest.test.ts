import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import {
  ServerInterceptingCall,
  ServerListenerBuilder,
  status,
  type ClientWritableStream,
  type ServerInterceptor,
  type ServiceError,
} from '@grpc/grpc-js';
import { chunkBytes, float32ToBytes, MAX_CHUNK_BYTES, sha256Hex } from '../../shared/codec/index.js';
import { errorCodeOf } from '../../shared/grpc-errors/index.js';
import { specsToWire, type UpdateAck, type UpdateChunk, type UpdateHeader } from '../../shared/proto/index.js';
import {
  protocolFixture,
  rawCoordinatorStub,
  update,
  type ProtocolFixture,
  type TestClient,
} from '../helpers/protocol.js';

const PARAMS = 1024;
/** Chunks of 1 KiB: an update of PARAMS values travels in four. */
const CHUNK_BYTES = 1024;

/** What arrives of each SubmitUpdate, message by message: `header:<sha256>`, `data` or `sha256`. */
function uploadRecorder(): { interceptor: ServerInterceptor; uploads: string[][] } {
  const uploads: string[][] = [];
  const interceptor: ServerInterceptor = (method, call) => {
    if (!method.path.endsWith('/SubmitUpdate')) return new ServerInterceptingCall(call);
    const seen: string[] = [];
    uploads.push(seen);
    const listener = new ServerListenerBuilder()
      .withOnReceiveMessage((m: UpdateChunk, next) => {
        seen.push(m.payload === 'header' ? `header:${m.header!.sha256}` : m.payload!);
        next(m);
      })
      .build();
    return new ServerInterceptingCall(call, { start: (next) => next(listener) });
  };
  return { interceptor, uploads };
}

/** The update of `values` from `client` as raw messages: its header (stating `sha256`), then its bytes in 1 KiB chunks. */
function messages(f: ProtocolFixture, client: TestClient, values: Float32Array, sha256: string): UpdateChunk[] {
  const { weights, ...fields } = update(f, client, 1, values, 10);
  const bytes = float32ToBytes(weights.values);
  const header: UpdateHeader = { ...fields, tensors: specsToWire(weights.specs), totalBytes: bytes.byteLength, sha256 };
  return [{ header }, ...[...chunkBytes(bytes, CHUNK_BYTES)].map((data) => ({ data }))];
}

/** Streams `sent` as one SubmitUpdate of `client` (its session); resolves with the ack or the refusal. */
async function upload(f: ProtocolFixture, client: TestClient, sent: UpdateChunk[]) {
  const stub = rawCoordinatorStub<{
    SubmitUpdate(cb: (err: ServiceError | null, ack?: UpdateAck) => void): ClientWritableStream<UpdateChunk>;
  }>(f.coordinator.address, client.link);
  try {
    return await new Promise<{ ack?: UpdateAck; err?: ServiceError }>((resolve) => {
      const call = stub.SubmitUpdate((err, ack) => resolve(err ? { err } : { ack }));
      for (const m of sent) call.write(m);
      call.end();
    });
  } finally {
    stub.close();
  }
}

const digestOf = (values: Float32Array) => sha256Hex(float32ToBytes(values));

/** Asserts an INVALID_ARGUMENT refusal of the update (FS_ERR_INVALID_UPDATE) whose message matches `fragment`. */
function assertInvalid(r: { ack?: UpdateAck; err?: ServiceError }, fragment: RegExp): void {
  assert.equal(r.err?.code, status.INVALID_ARGUMENT, `refused, got ${r.err?.message ?? 'an ack'}`);
  assert.equal(errorCodeOf(r.err!), 'FS_ERR_INVALID_UPDATE');
  assert.match(r.err!.details, fragment);
}

describe('trailing digest: the SHA-256 of an update after its bytes (header sha256 "")', () => {
  it('is how the link sends an update (hashed while it is sent), and a retry states its digest up front', async () => {
    // Prepare
    const recorder = uploadRecorder();
    const f = await protocolFixture({ numParams: PARAMS, clients: 2, interceptors: [recorder.interceptor] });
    after(() => f.close());
    const [a, b] = f.clients as [TestClient, TestClient];
    const values = new Float32Array(PARAMS).fill(2);
    // Execute
    const first = await a.link.submitUpdate(update(f, a, 1, values, 10), CHUNK_BYTES);
    const retry = await b.link.submitUpdate(update(f, b, 1, values, 10), CHUNK_BYTES, undefined, {
      freshConnection: true,
    });
    // Assert
    assert.deepEqual([first.accepted, retry.accepted], [true, true]);
    assert.deepEqual(recorder.uploads, [
      ['header:', 'data', 'data', 'data', 'data', 'sha256'],
      [`header:${digestOf(values)}`, 'data', 'data', 'data', 'data'],
    ]);
  });

  it('accepts an update whose trailer is its digest; refuses a wrong, a missing or a misplaced trailer', async () => {
    // Prepare: six clients; the round stays open until the last one answers
    const f = await protocolFixture({ numParams: PARAMS, clients: 6, run: { minClients: 1 } });
    after(() => f.close());
    const [good, wrong, missing, extra, twice] = f.clients as [
      TestClient,
      TestClient,
      TestClient,
      TestClient,
      TestClient,
    ];
    const values = Float32Array.from({ length: PARAMS }, (_, i) => i / PARAMS);
    const sha256 = digestOf(values);
    const trailed = (c: TestClient, trailer: string) => [...messages(f, c, values, ''), { sha256: trailer }];
    // Execute
    const accepted = await upload(f, good, trailed(good, sha256.toUpperCase()));
    const mismatch = await upload(f, wrong, trailed(wrong, digestOf(new Float32Array(PARAMS))));
    const noTrailer = await upload(f, missing, messages(f, missing, values, ''));
    const afterTrailer = await upload(f, extra, [...trailed(extra, sha256), { data: new Uint8Array(4) }]);
    const declaredTwice = await upload(f, twice, [...messages(f, twice, values, sha256), { sha256 }]);
    // Assert
    assert.equal(accepted.ack?.message, 'update accepted', accepted.err?.message);
    assertInvalid(mismatch, /SHA-256 mismatch: declared [0-9a-f]{64}, received bytes hash to [0-9a-f]{64}/);
    assertInvalid(noTrailer, /ended without its trailing digest/);
    assertInvalid(afterTrailer, /a message after the trailing digest/);
    assertInvalid(declaredTwice, /a trailing digest after a header that declared one/);
    const completed = f.coordinator.manager.get(f.runId).status().rounds;
    assert.equal(completed.length, 0, 'the round is still open: one client has not answered');
  });

  it('acknowledges a re-send with a trailing digest of the accepted update once read, and refuses a different one', async () => {
    // Prepare: client a's update is in; the round waits for b
    const f = await protocolFixture({ numParams: PARAMS, clients: 2, run: { minClients: 1 } });
    after(() => f.close());
    const [a] = f.clients as [TestClient];
    const values = new Float32Array(PARAMS).fill(1);
    const other = new Float32Array(PARAMS).fill(3);
    await a.link.submitUpdate(update(f, a, 1, values, 10), MAX_CHUNK_BYTES);
    // Execute
    const same = await upload(f, a, [...messages(f, a, values, ''), { sha256: digestOf(values) }]);
    const different = await upload(f, a, [...messages(f, a, other, ''), { sha256: digestOf(other) }]);
    const lying = await upload(f, a, [...messages(f, a, other, ''), { sha256: digestOf(values) }]);
    // Assert
    assert.equal(same.ack?.message, 'update already accepted (idempotent re-send)', same.err?.message);
    assert.equal(different.err?.code, status.ALREADY_EXISTS);
    assert.equal(errorCodeOf(different.err!), 'FS_ERR_DUPLICATE_UPDATE');
    assert.match(different.err!.details, /already submitted a different update for round 1/);
    assertInvalid(lying, /SHA-256 mismatch/);
  });
});
