export {
  type CodecSpec,
  type EncodedUpdate,
  DEFAULT_INT8_BLOCK,
  MIN_INT8_BLOCK,
  MAX_INT8_BLOCK,
  TOPK_FLOAT_GROUP,
  MAX_DECODED_BLOCK,
  parseCodecSpec,
  formatCodecSpec,
  codecSpecProblem,
  maxNonzeros,
  encodedByteRange,
} from './spec.js';
export { FP16_MAX, encodeFp16, decodeFp16Into } from './fp16.js';
export { encodeUpdate, encodeUpdateLazily, type LazyEncodedUpdate } from './encode.js';
export { DeltaScanner, type DeltaVisitor } from './scanner.js';
export { forEachDecodedBlock, type DecodedBlockVisitor } from './blocks.js';
export { foldDecoded, foldValues } from './fold.js';
