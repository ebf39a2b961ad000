import { float32ToBytes, sha256Hex, totalBytes, type ModelWeights } from '../../shared/codec/index.js';
import { specsToWire, type ModelHeader } from '../../shared/proto/index.js';

/** A global model ready to stream: its FetchModel header and its raw little-endian float32 bytes. */
export interface EncodedModel {
  readonly header: ModelHeader;
  /** View of the weights' buffer (not a copy): the run reuses it only once the round closed and no stream reads it. */
  readonly bytes: Uint8Array;
  /** FetchModel streams reading `bytes` now (the gRPC handler counts them). */
  activeStreams: number;
}

/** Encodes the global model that opens round `version` once, so every client's fetch reuses bytes and hash. */
export function encodeModel(modelName: string, version: number, weights: ModelWeights): EncodedModel {
  const bytes = float32ToBytes(weights.values);
  return {
    header: {
      modelName,
      version,
      tensors: specsToWire(weights.specs),
      totalBytes: totalBytes(weights.specs),
      sha256: sha256Hex(bytes),
    },
    bytes,
    activeStreams: 0,
  };
}
