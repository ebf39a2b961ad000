/**
 * SecAgg+ (Bell et al., CCS 2020, on Bonawitz et al., CCS 2017): the pure protocol layer — parameters, Shamir
 * sharing, key agreement, share encryption, PRG masks, quantisation with weights, neighbourhood graph, and the client
 * and coordinator state machines. No I/O; the round engine drives the stages and carries the messages.
 */
export { SecAggClient, type SecAggClientOptions } from './client.js';
export { SecAggServer, type SecAggServerOptions } from './server.js';
export type * from './messages.js';
export {
  SECAGG_DEFAULTS,
  validateSecAggSettings,
  resolveRoundParams,
  checkRoundParams,
  type SecAggSettings,
  type SecAggParams,
  type RoundSecAggParams,
} from './params.js';
export {
  SecAggProtocolError,
  ShareDecryptionError,
  SecAggThresholdError,
  SecAggConsistencyError,
} from '../errors/index.js';
export { maskedVectorToBytes, maskedVectorFromBytes } from './vector-bytes.js';
export { neighbourhoods } from './graph.js';
export { quantize, dequantizeSum, quantizationStep } from './quantize.js';
export { weightRatio, quantizedWeight, encodeWeightedInput, decodeWeightedSum, type WeightedSum } from './weighting.js';
export { applyMasks, pairwiseSign, type Mask } from './masks.js';
export { addModInPlace, subModInPlace, modMask } from './modular.js';
export { splitSecret, combineShares } from './shamir.js';
export { keyPairFromPrivate, derivePairwiseKey, KEY_BYTES, type X25519KeyPair } from './key-agreement.js';
export {
  encryptSharePair,
  decryptSharePair,
  SHARE_BYTES,
  ENCRYPTED_SHARE_BYTES,
  type SharePair,
} from './share-encryption.js';
export type { RoundRef } from './binding.js';
