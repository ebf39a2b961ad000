/**
 * Wire forms of the SecAgg+ protocol messages (proto SecureAggregation, SecAggClientMessage, SecAggServerMessage) and
 * back. The protocol layer (shared/secagg) works on plain objects with client ids and round numbers; on the wire the
 * coordinator takes the sender's id from the authenticated session and the round from the stream's first message.
 */
import type {
  KeyAdvertisement,
  MaskedInputRequest,
  RoundSecAggParams,
  SecAggSetup,
  ShareKeysRequest,
  ShareKeysResponse,
  UnmaskRequest,
  UnmaskResponse,
} from '../secagg/index.js';
import type { SecAggClientMessage, SecAggServerMessage, WireSecureAggregation, WireUpdateCodec } from './messages.js';

/** UpdateHeader.codec of a SecAgg+ masked vector: L + 1 uint32 values mod the modulus (stage 3 over SubmitUpdate). */
export const SECAGG_UPDATE_CODEC: Readonly<WireUpdateCodec> = Object.freeze({
  kind: 'secagg',
  blockSize: 0,
  fraction: 0,
  nonzeros: 0,
});

/**
 * How a client prepares its delta under SecAgg+ (WireSecureAggregation.clippingNorm, equalWeights, effectiveExamples):
 * what central DP asks, and which count it weighs itself by.
 */
export interface SecAggClipping {
  /** L2 norm each client clips its delta to before masking (weight units); 0 = none. */
  readonly clippingNorm: number;
  /** Every client weighs maxWeight examples (DP-FedAvg's equal weights). */
  readonly equalWeights: boolean;
  /** The strategy is fedavg-effective: weigh by the effective sample count Σw, capped at the example count. */
  readonly effectiveExamples: boolean;
}

/** FitConfig.secureAggregation for one attempt: the setup's parameters (its client ids travel as the selection). */
export function secAggToWire(setup: SecAggSetup, clipping: SecAggClipping): WireSecureAggregation {
  const p = setup.params;
  return {
    numClients: p.numClients,
    numShares: p.numShares,
    reconstructionThreshold: p.threshold,
    maxWeight: p.maxWeight,
    clippingRange: p.clippingRange,
    quantizationRange: p.quantizationRange,
    modulus: p.modulus,
    graphSeed: setup.graphSeed,
    vectorLength: setup.vectorLength,
    clippingNorm: clipping.clippingNorm,
    equalWeights: clipping.equalWeights,
    effectiveExamples: clipping.effectiveExamples,
  };
}

/**
 * The SecAgg+ setup a client reads from a round announcement: run, round, the selected client ids (the graph's nodes)
 * and FitConfig.secureAggregation. The client checks the parameters itself (SecAggClient.setup → checkRoundParams).
 */
export function secAggFromWire(
  a: { runId: string; round: number; selectedClientIds: readonly string[] },
  w: WireSecureAggregation,
): { setup: SecAggSetup; clipping: SecAggClipping } {
  const params: RoundSecAggParams = {
    numClients: w.numClients,
    numShares: w.numShares,
    threshold: w.reconstructionThreshold,
    maxWeight: w.maxWeight,
    clippingRange: w.clippingRange,
    quantizationRange: w.quantizationRange,
    modulus: w.modulus,
  };
  const setup = {
    runId: a.runId,
    round: a.round,
    params,
    clientIds: [...a.selectedClientIds],
    graphSeed: w.graphSeed,
    vectorLength: w.vectorLength,
  };
  const clipping = {
    clippingNorm: w.clippingNorm,
    equalWeights: w.equalWeights,
    effectiveExamples: w.effectiveExamples,
  };
  return { setup, clipping };
}

/** Where a client's stream message belongs: the run, round and attempt it answers. */
export interface SecAggAttemptRef {
  readonly runId: string;
  readonly round: number;
  readonly attempt: number;
}

/** A client message of one stage, as the protocol layer takes it. */
export type SecAggClientStage =
  | { stage: 'keys'; message: KeyAdvertisement }
  | { stage: 'shares'; message: ShareKeysResponse }
  | { stage: 'unmask'; message: UnmaskResponse };

/** A client's stage message on the wire. */
export function clientStageToWire(ref: SecAggAttemptRef, s: SecAggClientStage): SecAggClientMessage {
  const { runId, round, attempt } = ref;
  if (s.stage === 'keys') {
    const { encryptionPublicKey, maskPublicKey } = s.message;
    return { runId, round, attempt, keys: { encryptionPublicKey, maskPublicKey } };
  }
  if (s.stage === 'shares') return { runId, round, attempt, shares: { shares: [...s.message.shares] } };
  const { seedShares, keyShares } = s.message;
  return { runId, round, attempt, unmask: { seedShares: [...seedShares], keyShares: [...keyShares] } };
}

/**
 * A wire client message as the protocol layer takes it, from `clientId` (the session's client, never the payload).
 * @returns the stage message, or undefined when the message holds no stage.
 */
export function clientStageFromWire(clientId: string, m: SecAggClientMessage): SecAggClientStage | undefined {
  const round = m.round;
  if (m.keys) {
    const { encryptionPublicKey, maskPublicKey } = m.keys;
    return { stage: 'keys', message: { clientId, round, encryptionPublicKey, maskPublicKey } };
  }
  if (m.shares) return { stage: 'shares', message: { clientId, round, shares: m.shares.shares ?? [] } };
  if (m.unmask) {
    const { seedShares = [], keyShares = [] } = m.unmask;
    return { stage: 'unmask', message: { clientId, round, seedShares, keyShares } };
  }
  return undefined;
}

/** A coordinator message of one stage, as the protocol layer gives it. */
export type SecAggServerStage =
  | { stage: 'shareKeys'; message: ShareKeysRequest }
  | { stage: 'maskedInput'; message: MaskedInputRequest }
  | { stage: 'unmask'; message: UnmaskRequest }
  | { stage: 'done'; message: { survivors: number; dropped: number } };

/** A coordinator stage message on the wire (the round is the stream's). */
export function serverStageToWire(s: SecAggServerStage): SecAggServerMessage {
  switch (s.stage) {
    case 'shareKeys':
      return { shareKeys: { keys: s.message.keys.map((k) => ({ ...k })) } };
    case 'maskedInput':
      return { maskedInput: { shares: [...s.message.shares] } };
    case 'unmask':
      return { unmask: { survivors: [...s.message.survivors], dropped: [...s.message.dropped] } };
    case 'done':
      return { done: { ...s.message } };
  }
}

/**
 * A wire coordinator message as the protocol layer takes it, for `round`.
 * @returns the stage message, or undefined when the message holds no stage.
 */
export function serverStageFromWire(round: number, m: SecAggServerMessage): SecAggServerStage | undefined {
  if (m.shareKeys) return { stage: 'shareKeys', message: { round, keys: m.shareKeys.keys ?? [] } };
  if (m.maskedInput) return { stage: 'maskedInput', message: { round, shares: m.maskedInput.shares ?? [] } };
  if (m.unmask) {
    const { survivors = [], dropped = [] } = m.unmask;
    return { stage: 'unmask', message: { round, survivors, dropped } };
  }
  if (m.done) return { stage: 'done', message: { survivors: m.done.survivors, dropped: m.done.dropped } };
  return undefined;
}
