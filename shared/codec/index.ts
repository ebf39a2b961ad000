export {
  type TensorSpec,
  type ModelWeights,
  numElements,
  totalElements,
  totalBytes,
  assertSameSpecs,
  firstNonFinite,
} from './model-weights.js';
export {
  MAX_CHUNK_BYTES,
  float32ToBytes,
  bytesToFloat32,
  viewAsFloat32,
  chunkBytes,
  sha256Hex,
  ChunkAssembler,
  ChunkDigest,
} from './tensor-codec.js';
export { sharedBytes } from './prefix-hash.js';
export * from './update-codecs/index.js';
