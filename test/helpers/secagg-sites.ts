import type { ClientDuplexStream, StatusObject } from '@grpc/grpc-js';
import { MAX_CHUNK_BYTES, type TensorSpec } from '../../shared/codec/index.js';
import {
  clientStageToWire,
  secAggFromWire,
  SECAGG_UPDATE_CODEC,
  serverStageFromWire,
  type RoundAnnouncement,
  type SecAggClientMessage,
  type SecAggClientStage,
  type SecAggServerMessage,
} from '../../shared/proto/index.js';
import { clipInPlace } from '../../shared/privacy/index.js';
import { maskedVectorToBytes, SecAggClient } from '../../shared/secagg/index.js';
import { rawCoordinatorStub, type TestClient } from './protocol.js';
import { seededBytes } from './seeded-bytes.js';

/** How one test site plays a SecAgg+ attempt. */
export interface SecAggSiteSpec {
  /** The delta δ = w − g it masks (model units), one value per parameter. */
  readonly delta: Float32Array;
  readonly numExamples: number;
  /** Seed of its stochastic rounding and its key material. */
  readonly seed: number;
  /**
   * Cancels its stream (a crash) once the coordinator closed this stage with it: 'keys' when the share-keys request
   * comes (it never shares), 'shares' when the masked-input request comes (it shared, and never uploads).
   */
  readonly dropAfter?: 'keys' | 'shares';
  /**
   * Keeps its stream open but never answers this request (a hung site): 'shareKeys' (it never shares its keys),
   * 'maskedInput' (it shared, and never uploads), 'unmask' (it uploaded, and never answers stage 4); `onSilent` is
   * called when the request came.
   */
  readonly silentAt?: 'shareKeys' | 'maskedInput' | 'unmask';
  readonly onSilent?: () => void;
  /** Sends this stage-1 message instead of its keys (a malformed one). */
  readonly keys?: { encryptionPublicKey: Uint8Array; maskPublicKey: Uint8Array };
}

/** How a site's attempt ended: its stream's status, and its upload's error if one was refused. */
export interface SecAggSiteEnd {
  readonly status: Pick<StatusObject, 'code' | 'details'>;
  readonly uploadError?: Error;
}

type SecAggStub = { SecureAggregation(): ClientDuplexStream<SecAggClientMessage, SecAggServerMessage> };

/**
 * The first fit announcement of `runId`, attempt `attempt` or later, that selects `client`, from its WatchRounds
 * stream (current ones first).
 */
export async function fitAnnouncementFor(client: TestClient, runId: string, attempt = 1): Promise<RoundAnnouncement> {
  const stream = client.link.watchRounds(client.clientId);
  try {
    for await (const a of stream as AsyncIterable<RoundAnnouncement>)
      if (a.runId === runId && a.phase === 'ROUND_PHASE_FIT' && a.attempt >= attempt)
        if (a.selectedClientIds.includes(client.clientId)) return a;
    throw new Error(`WatchRounds ended before a fit announcement of ${runId} selected ${client.clientId}`);
  } finally {
    stream.cancel();
  }
}

/**
 * Plays one SecAgg+ attempt as a daemon would, over the real gRPC stub (the client's session): SecAggClient's stages
 * on the SecureAggregation stream, the masked vector through SubmitUpdate (UpdateCodec kind "secagg"); `spec` may
 * make it crash or misbehave. @returns once its stream ended (the coordinator's status, OK after `done`).
 */
export async function playSecAggSite(
  address: string,
  client: TestClient,
  a: RoundAnnouncement,
  specs: readonly TensorSpec[],
  spec: SecAggSiteSpec,
): Promise<SecAggSiteEnd> {
  const { setup, clipping } = secAggFromWire(a, a.fit.secureAggregation!);
  // Central DP under SecAgg+: clip δ to the L2 norm C, weigh maxWeight examples (as a daemon does).
  const delta = clipping.clippingNorm > 0 ? clipToNorm(spec.delta, clipping.clippingNorm) : spec.delta;
  const weight = clipping.equalWeights ? setup.params.maxWeight : spec.numExamples;
  const site = new SecAggClient({
    clientId: client.clientId,
    randomBytes: seededBytes(spec.seed), // deterministic key material: a test's, never a site's
  });
  const stub = rawCoordinatorStub<SecAggStub>(address, client.link);
  const ref = { runId: a.runId, round: a.round, attempt: a.attempt };
  let uploadError: Error | undefined;
  try {
    const call = stub.SecureAggregation();
    const ended = new Promise<StatusObject>((resolve) => call.on('status', resolve));
    call.on('error', () => undefined); // the status says it
    const send = (s: SecAggClientStage) => call.write(clientStageToWire(ref, s));
    const upload = async (payload: Uint8Array) => {
      const codec = { ...SECAGG_UPDATE_CODEC };
      const { numExamples } = spec;
      const u = { ...ref, clientId: client.clientId, numExamples, metrics: { train_loss: 1 }, specs, payload, codec };
      await client.link.submitUpdate(u, MAX_CHUNK_BYTES).catch((err: Error) => (uploadError = err));
    };
    call.on('data', (m: SecAggServerMessage) => {
      void (async () => {
        const s = serverStageFromWire(a.round, m);
        const closed = { shareKeys: 'keys', maskedInput: 'shares' }[s?.stage as string];
        if (closed && closed === spec.dropAfter) call.cancel();
        else if (s?.stage && s.stage === spec.silentAt) spec.onSilent?.();
        else if (s?.stage === 'shareKeys') send({ stage: 'shares', message: await site.shareKeys(s.message) });
        else if (s?.stage === 'maskedInput') {
          site.prepareMask(s.message); // maskInput runs its steps
          await upload(maskedVectorToBytes(site.maskInput(delta, weight).masked));
        } else if (s?.stage === 'unmask') send({ stage: 'unmask', message: site.unmask(s.message) });
        else if (s?.stage === 'done') call.end();
      })().catch(() => call.cancel());
    });
    const advertised = site.setup(setup);
    send({ stage: 'keys', message: spec.keys ? { ...advertised, ...spec.keys } : advertised });
    const { code, details } = await ended;
    return { status: { code, details }, ...(uploadError && { uploadError }) };
  } finally {
    stub.close();
  }
}

/** A copy of `delta` scaled to L2 norm at most `norm` (DP-FedAvg's flat clipping, clipInPlace). */
export function clipToNorm(delta: Float32Array, norm: number): Float32Array {
  const clipped = Float32Array.from(delta);
  clipInPlace(clipped, norm);
  return clipped;
}
