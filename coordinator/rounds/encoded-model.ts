import { encodeFp16, float32ToBytes, sha256Hex, type ModelWeights } from '../../shared/codec/index.js';
import { specsToWire, type ModelHeader } from '../../shared/proto/index.js';
import type { RunConfig } from '../config/index.js';

/** A global model ready to stream: its FetchModel header and its bytes as sent (float32, or binary16 with fp16). */
export interface EncodedModel {
  readonly header: ModelHeader;
  /**
   * The bytes every FetchModel streams. With codec none, a view of the weights' buffer (not a copy): the run reuses it
   * only once the round closed and no stream reads it; with fp16, an encoded copy of half the size.
   */
  readonly bytes: Uint8Array;
  /** FetchModel streams reading `bytes` now (the gRPC handler counts them). */
  activeStreams: number;
  /** Bytes FetchModel streams have sent of this model so far (the round's summary reports them). */
  bytesSent: number;
}

/**
 * Encodes the global model that opens round `version` once, so every client's fetch reuses bytes and hash.
 * @param codec the run's downloadCodec: `none` sends the float32 weights as they are, `fp16` as IEEE binary16.
 * @throws {RangeError} with fp16, when a weight lies beyond the binary16 range (±65504).
 */
export function encodeModel(
  modelName: string,
  version: number,
  weights: ModelWeights,
  codec: RunConfig['downloadCodec'] = 'none',
): EncodedModel {
  const bytes = codec === 'fp16' ? encodeFp16(weights.values) : float32ToBytes(weights.values);
  return {
    header: {
      modelName,
      version,
      tensors: specsToWire(weights.specs),
      totalBytes: bytes.byteLength,
      sha256: sha256Hex(bytes),
      codec,
    },
    bytes,
    activeStreams: 0,
    bytesSent: 0,
  };
}
