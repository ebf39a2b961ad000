import {
  DeltaScanner,
  encodeUpdate,
  forEachDecodedBlock,
  parseCodecSpec,
  type CodecSpec,
  type EncodedUpdate,
} from '../../shared/codec/index.js';
import { createRng, normal } from '../../shared/random/index.js';

/** n seeded normal draws times `scale`, as float32. */
export function randomValues(n: number, seed: number, scale = 1): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => normal(rng) * scale);
}

/** The δ encodeUpdate computes from w and g: fround(w − g). */
export function deltaOf(w: Float32Array, g: Float32Array): Float32Array {
  return Float32Array.from(w, (v, i) => v - g[i]!);
}

/** δ̂ as the coordinator decodes it: forEachDecodedBlock over a zero global model (0 + δ̂ = δ̂ in float32). */
export function decodeDelta(spec: CodecSpec, enc: EncodedUpdate, n: number): Float32Array {
  const out = new Float32Array(n);
  forEachDecodedBlock(spec, enc.bytes, n, enc.nonzeros, new Float32Array(n), (offset, block) => out.set(block, offset));
  return out;
}

/**
 * Encodes w = g + `wanted` with the codec named by `text`, against `g` (default: seeded random, scale 0.1; pass zeros
 * to keep subnormal or huge deltas exact). `delta` is what the encoder saw: fround(w − g).
 */
export function encodeDelta(
  text: string,
  wanted: Float32Array,
  g: Float32Array = randomValues(wanted.length, 7, 0.1),
): { spec: CodecSpec; enc: EncodedUpdate; delta: Float32Array; w: Float32Array; g: Float32Array } {
  const spec = parseCodecSpec(text);
  const w = Float32Array.from(wanted, (d, i) => g[i]! + d);
  return { spec, enc: encodeUpdate(spec, w, g), delta: deltaOf(w, g), w, g };
}

/**
 * Runs a DeltaScanner over `bytes` fed in pieces of the given sizes (cycled), then finish.
 * @returns Σδ̂² and the visited values, concatenated.
 */
export function scan(
  spec: CodecSpec,
  bytes: Uint8Array,
  n: number,
  nonzeros: number,
  pieces: readonly number[] = [bytes.length || 1],
): { sumOfSquares: number; visited: number[] } {
  const scanner = new DeltaScanner(spec, n, nonzeros);
  const visited: number[] = [];
  for (let upTo = 0, i = 0; upTo < bytes.length; i++) {
    upTo = Math.min(bytes.length, upTo + pieces[i % pieces.length]!);
    scanner.advance(bytes, upTo, (values, count) => visited.push(...values.subarray(0, count)));
  }
  scanner.finish(bytes.length);
  return { sumOfSquares: scanner.sumOfSquares, visited };
}

/** LEB128 bytes of a non-negative integer. */
export function varint(value: number): number[] {
  const out: number[] = [];
  let v = value;
  for (; v >= 0x80; v = Math.floor(v / 0x80)) out.push((v % 0x80) | 0x80);
  out.push(v);
  return out;
}

/** The 4 little-endian bytes of a float32. */
export function f32(value: number): number[] {
  return [...new Uint8Array(new Float32Array([value]).buffer)];
}

/** A top-k payload from raw parts: gaps as varints, values as float32 (or raw byte arrays as they are). */
export function topkBytes(...parts: (number[] | Uint8Array)[]): Uint8Array {
  return Uint8Array.from(parts.flatMap((p) => [...p]));
}
