import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ServerInterceptingCall, ServerListenerBuilder, status, type ServerInterceptor } from '@grpc/grpc-js';
import { MAX_CHUNK_BYTES } from '../../shared/codec/index.js';
import type { UpdateChunk } from '../../shared/proto/index.js';
import { quantizationStep } from '../../shared/secagg/index.js';
import { waitForRunState } from '../helpers/coordinators.js';
import { protocolFixture, refusal, update, type ProtocolFixture, type TestClient } from '../helpers/protocol.js';
import {
  fitAnnouncementFor,
  playSecAggSite,
  type SecAggSiteEnd,
  type SecAggSiteSpec,
} from '../helpers/secagg-sites.js';
import { randomValues } from '../helpers/update-codecs.js';

const PARAMS = 64;
const SECAGG = { numShares: 5, reconstructionThreshold: 3 };
/** SecAgg+ defaults: clippingRange 8, quantizationRange 2^22, maxWeight 1000. */
const STEP = quantizationStep(8, 2 ** 22);
const EXAMPLES = [100, 300, 500, 700, 900];

/** A coordinator with 5 joined clients and a 1-round SecAgg+ run (round 1 open), plus `run`. */
function secAggFixture(run: Record<string, unknown> = {}): Promise<ProtocolFixture> {
  return protocolFixture({
    numParams: PARAMS,
    clients: 5,
    run: { secureAggregation: SECAGG, minClients: 3, roundDeadlineMs: 90_000, ...run },
  });
}

/** Site i's delta and weight: N(0, 0.5²) values, EXAMPLES[i] examples. */
function siteSpec(i: number, extra: Partial<SecAggSiteSpec> = {}): SecAggSiteSpec {
  return { delta: randomValues(PARAMS, 100 + i, 0.5), numExamples: EXAMPLES[i]!, seed: 7 + i, ...extra };
}

/** Every site plays attempt `attempt`, site i as `extra(i)` says; resolves with how each stream ended. */
async function playAll(f: ProtocolFixture, extra: (i: number) => Partial<SecAggSiteSpec> = () => ({}), attempt = 1) {
  const a = await fitAnnouncementFor(f.clients[0]!, f.runId, attempt);
  const play = (c: TestClient, i: number) =>
    playSecAggSite(f.coordinator.address, c, a, f.runtime.specs, siteSpec(i, extra(i)));
  return Promise.all(f.clients.map(play));
}

/** The run's end once every site played: its status, and each stream's end (and its code). */
async function runEnd(f: ProtocolFixture, playing: Promise<SecAggSiteEnd[]>) {
  const streams = await playing;
  const s = await waitForRunState(f.coordinator, f.runId, ['RUN_STATE_COMPLETED', 'RUN_STATE_FAILED']);
  return { s, streams, codes: streams.map((e) => e.status.code) };
}

/** Sites 0, 1 and 2 drop once they shared their keys (they never upload). */
const threeDrop = (i: number): Partial<SecAggSiteSpec> => (i < 3 ? { dropAfter: 'shares' } : {});

/**
 * Asserts the run's new global model is g + plain FedAvg of `sites`' deltas, within the quantisation step per
 * coordinate per client plus the rounding of each weight rₖ = nₖ / maxWeight to the step (relative error ≤ step/2rₖ).
 */
async function assertPlainFedAvg(f: ProtocolFixture, sites: number[]): Promise<void> {
  const g = (await f.runtime.initialWeights()).values;
  const n = sites.reduce((s, i) => s + EXAMPLES[i]!, 0);
  const expected = Float64Array.from(g);
  for (const i of sites) {
    const d = siteSpec(i).delta;
    for (let j = 0; j < PARAMS; j++) expected[j]! += (EXAMPLES[i]! / n) * d[j]!;
  }
  const maxDelta = Math.max(...sites.flatMap((i) => [...siteSpec(i).delta].map(Math.abs)));
  const weightError = Math.max(...sites.map((i) => STEP / (2 * (EXAMPLES[i]! / 1000))));
  const tolerance = sites.length * STEP + 2 * maxDelta * weightError;
  const actual = f.runtime.evaluated[0]!.values;
  let worst = 0;
  for (let j = 0; j < PARAMS; j++) worst = Math.max(worst, Math.abs(actual[j]! - expected[j]!));
  assert.ok(worst <= tolerance, `largest deviation ${worst} exceeds ${tolerance}`);
}

describe('a SecAgg+ round over gRPC', () => {
  it('gives the global model of plain FedAvg of the same deltas, within the quantisation step', async () => {
    // Prepare
    const f = await secAggFixture();
    try {
      // Execute
      const { s, codes } = await runEnd(f, playAll(f));
      // Assert
      assert.equal(s.state, 'RUN_STATE_COMPLETED', s.error);
      assert.deepEqual(codes, [0, 0, 0, 0, 0]);
      await assertPlainFedAvg(f, [0, 1, 2, 3, 4]);
      const r = s.rounds[0]!;
      assert.deepEqual([r.selected, r.responded, r.trainLoss], [5, 5, 1], 'header metrics feed the round');
    } finally {
      await f.close();
    }
  });

  it('aggregates the 4 survivors when one client drops after sharing its keys', async () => {
    const f = await secAggFixture();
    try {
      const { s, codes } = await runEnd(
        f,
        playAll(f, (i) => (i === 2 ? { dropAfter: 'shares' } : {})),
      );
      assert.equal(s.state, 'RUN_STATE_COMPLETED', s.error);
      assert.deepEqual(codes, [0, 0, status.CANCELLED, 0, 0]);
      await assertPlainFedAvg(f, [0, 1, 3, 4]);
      const r = s.rounds[0]!;
      assert.deepEqual([r.selected, r.responded], [5, 4]);
      assert.deepEqual(
        r.failures.map((x) => x.clientId),
        [f.clients[2]!.clientId],
      );
      assert.match(r.failures[0]!.reason, /^SecAgg\+ stream (ended|cancelled) by the client$/);
    } finally {
      await f.close();
    }
  });

  it('closes stage 1 at its deadline without a client that never opened its stream; the others aggregate', async () => {
    const f = await secAggFixture({ secureAggregation: { ...SECAGG, advertiseKeysTimeoutMs: 500 } });
    try {
      const a = await fitAnnouncementFor(f.clients[0]!, f.runId);
      const four = f.clients.slice(0, 4);
      const playing = Promise.all(
        four.map((c, i) => playSecAggSite(f.coordinator.address, c, a, f.runtime.specs, siteSpec(i))),
      );
      const { s, codes } = await runEnd(f, playing);
      assert.equal(s.state, 'RUN_STATE_COMPLETED', s.error);
      assert.deepEqual(codes, [0, 0, 0, 0]);
      await assertPlainFedAvg(f, [0, 1, 2, 3]);
      assert.match(s.rounds[0]!.failures[0]!.reason, /^advertised no keys before the stage deadline$/);
    } finally {
      await f.close();
    }
  });

  it('fails the attempt, revealing nothing, when three clients drop: the run fails with the reason', async () => {
    const f = await secAggFixture({ maxRoundAttempts: 1, minClients: 2, minAvailableClients: 5 });
    try {
      const { s, streams } = await runEnd(f, playAll(f, threeDrop));
      assert.equal(s.state, 'RUN_STATE_FAILED');
      assert.match(
        s.error,
        /^SecAgg\+ round 1 attempt 1 failed: round 1: 2 clients sent masked input, threshold 3; no update was revealed$/,
      );
      assert.deepEqual(
        streams.slice(3).map((e) => [e.status.code, e.status.details]),
        [
          [status.ABORTED, s.error],
          [status.ABORTED, s.error],
        ],
      );
      assert.equal(f.runtime.evaluated.length, 0, 'no aggregate was evaluated: the global model stays as it was');
    } finally {
      await f.close();
    }
  });

  it('runs a retried attempt as a fresh SecAgg+ instance from the unchanged global model', async () => {
    // Prepare: attempt 1 fails (three drop after sharing keys); attempt 2 asks all five again.
    const f = await secAggFixture({ maxRoundAttempts: 2, minClients: 2, minAvailableClients: 5 });
    try {
      // Execute
      await playAll(f, threeDrop);
      const { s, codes } = await runEnd(f, playAll(f, undefined, 2));
      // Assert: nothing of attempt 1 counts; attempt 2 gives FedAvg of all five deltas from g
      assert.equal(s.state, 'RUN_STATE_COMPLETED', s.error);
      assert.deepEqual(codes, [0, 0, 0, 0, 0]);
      await assertPlainFedAvg(f, [0, 1, 2, 3, 4]);
      const r = s.rounds[0]!;
      assert.deepEqual([r.attempts, r.responded, r.failures.length], [2, 5, 0]);
    } finally {
      await f.close();
    }
  });

  it('answers a malformed stage message with INVALID_ARGUMENT and aggregates the others', async () => {
    const f = await secAggFixture();
    try {
      const short = { encryptionPublicKey: new Uint8Array(5), maskPublicKey: new Uint8Array(32).fill(1) };
      const { s, streams } = await runEnd(
        f,
        playAll(f, (i) => (i === 4 ? { keys: short } : {})),
      );
      assert.equal(streams[4]!.status.code, status.INVALID_ARGUMENT);
      assert.match(streams[4]!.status.details, /encryptionPublicKey/);
      assert.equal(s.state, 'RUN_STATE_COMPLETED', s.error);
      await assertPlainFedAvg(f, [0, 1, 2, 3]);
    } finally {
      await f.close();
    }
  });
});

describe('SecAgg+ uploads', () => {
  const codecOf = (kind: string) => ({ kind, blockSize: 0, fraction: 0, nonzeros: 0 });

  it('refuses a plain update in a SecAgg+ run, and a masked one in a plain run, with INVALID_ARGUMENT', async () => {
    const secAgg = await secAggFixture();
    const plain = await protocolFixture({ numParams: PARAMS, clients: 1, run: { minClients: 1 } });
    try {
      const [a] = secAgg.clients;
      const [b] = plain.clients;
      const plainUpdate = refusal(
        a!.link.submitUpdate(update(secAgg, a!, 1, new Float32Array(PARAMS)), MAX_CHUNK_BYTES),
      );
      const masked = {
        ...update(plain, b!, 1, new Float32Array(PARAMS)),
        payload: new Uint8Array(4 * (PARAMS + 1)),
        specs: plain.runtime.specs,
        codec: codecOf('secagg'),
      };
      const { weights: _unused, ...maskedUpdate } = masked;
      const maskedInPlain = refusal(b!.link.submitUpdate(maskedUpdate, MAX_CHUNK_BYTES));
      const [e1, e2] = await Promise.all([plainUpdate, maskedInPlain]);
      assert.equal(e1?.code, status.INVALID_ARGUMENT);
      assert.match(e1!.details, /update encoded with none, but the run uses secure aggregation/);
      assert.equal(e2?.code, status.INVALID_ARGUMENT);
      assert.match(
        e2!.details,
        /a SecAgg\+ masked update \(UpdateCodec kind "secagg"\) in a run without secure aggregation/,
      );
    } finally {
      await Promise.all([secAgg.close(), plain.close()]);
    }
  });

  it("receives a client's masked bytes uniform (χ²) for two different updates", async () => {
    const L = 4095; // 16,384 masked bytes: 64 expected per byte value
    const maskedBytesOf = async (delta: Float32Array) => {
      const { interceptor, received } = maskedUploadRecorder();
      const f = await protocolFixture({
        numParams: L,
        clients: 5,
        run: { secureAggregation: SECAGG, minClients: 3, roundDeadlineMs: 90_000 },
        interceptors: [interceptor],
      });
      try {
        const a = await fitAnnouncementFor(f.clients[0]!, f.runId);
        const spec = (i: number) => ({
          delta: i === 0 ? delta : randomValues(L, 100 + i, 0.5),
          numExamples: 500,
          seed: i,
        });
        await Promise.all(
          f.clients.map((c, i) => playSecAggSite(f.coordinator.address, c, a, f.runtime.specs, spec(i))),
        );
        return Buffer.concat(received.get(f.clients[0]!.clientId)!);
      } finally {
        await f.close();
      }
    };
    const first = await maskedBytesOf(randomValues(L, 1, 0.5));
    const second = await maskedBytesOf(randomValues(L, 2, 0.5));
    assert.equal(first.length, 4 * (L + 1));
    for (const bytes of [first, second]) assert.ok(chiSquare(bytes) < CHI2_255_P001, `χ² ${chiSquare(bytes)}`);
  });
});

/** χ² with 255 degrees of freedom at p = 0.001: uniform bytes exceed it once in a thousand. */
const CHI2_255_P001 = 330.5;

/** Pearson's χ² of the byte values against the uniform distribution over 0..255. */
function chiSquare(bytes: Uint8Array): number {
  const counts = new Array<number>(256).fill(0);
  for (const b of bytes) counts[b]!++;
  const e = bytes.length / 256;
  return counts.reduce((s, c) => s + (c - e) ** 2 / e, 0);
}

/** Records the data of every SubmitUpdate as the coordinator receives it, by the header's client id. */
function maskedUploadRecorder(): { interceptor: ServerInterceptor; received: Map<string, Uint8Array[]> } {
  const received = new Map<string, Uint8Array[]>();
  const interceptor: ServerInterceptor = (method, call) => {
    if (!method.path.endsWith('/SubmitUpdate')) return new ServerInterceptingCall(call);
    let chunks: Uint8Array[] = [];
    const listener = new ServerListenerBuilder()
      .withOnReceiveMessage((m: UpdateChunk, next) => {
        if (m.header) received.set(m.header.clientId, (chunks = []));
        else if (m.data) chunks.push(Buffer.from(m.data));
        next(m);
      })
      .build();
    return new ServerInterceptingCall(call, { start: (next) => next(listener) });
  };
  return { interceptor, received };
}
