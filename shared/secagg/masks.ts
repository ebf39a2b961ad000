import { modMask } from './modular.js';
import { BLOCK_WORDS, Prg } from './prg.js';

/** One mask to add to (sign +1) or subtract from (−1) a vector: PRG(seed), reduced mod M. */
export interface Mask {
  /** 32 bytes: a self-mask seed b_u or a pairwise-mask key s_{u,v}. */
  readonly seed: Uint8Array;
  readonly sign: 1 | -1;
}

/**
 * vector ← vector + Σ signₖ·PRG(seedₖ) mod M, in place, block by block: each mask's keystream is drawn a block at a
 * time and added while the block is in cache, so no mask is ever materialised at the vector's length. The words are
 * added mod 2^32 and the block reduced with the power-of-two mask once at the end (M divides 2^32, so this is the sum
 * mod M of the masks reduced mod M, each uniform mod M).
 * @param vector residues mod `modulus` (a site's mask or quantised input, or the coordinator's sum), length L + 1.
 * @param masks the masks to apply; a pair's two ends apply the same seed with opposite signs (pairwiseSign).
 * @returns vector.
 * @throws {RangeError} when a seed is not 32 bytes or the modulus is not a power of two in [2, 2^32].
 * @see Bonawitz et al., CCS 2017, §4 Round 2 (y_u = x_u + PRG(b_u) + Σ_v Δ_{u,v}·PRG(s_{u,v})) and Round 4 (the
 *   coordinator removes PRG(b_u) of survivors and the pairwise masks of dropped clients)
 */
export function applyMasks(vector: Uint32Array, masks: readonly Mask[], modulus: number): Uint32Array {
  const steps = maskSteps(vector, masks, modulus);
  while (!steps.next().done);
  return vector;
}

/**
 * applyMasks one block (BLOCK_WORDS values) per step, so a caller can interleave the work with other work (a site
 * builds its mask while it trains). The seeds and modulus are checked before the first step.
 * @throws {RangeError} as applyMasks.
 */
export function maskSteps(vector: Uint32Array, masks: readonly Mask[], modulus: number): Iterator<void> {
  const m = modMask(modulus) | 0; // −1 for 2^32: no reduction
  const streams = masks.map((mask) => ({ prg: new Prg(mask.seed), sign: mask.sign }));
  return blocks(new Int32Array(vector.buffer, vector.byteOffset, vector.length), streams, m);
}

/** The blocks of maskSteps over `v`, int32 arithmetic throughout (no float conversions). */
function* blocks(v: Int32Array, streams: readonly { prg: Prg; sign: 1 | -1 }[], m: number): Generator<void> {
  for (let start = 0; start < v.length; start += BLOCK_WORDS) {
    const n = Math.min(BLOCK_WORDS, v.length - start);
    for (const { prg, sign } of streams) {
      const words = prg.next(n);
      if (sign === 1) for (let i = 0; i < n; i++) v[start + i] = (v[start + i]! + words[i]!) | 0;
      else for (let i = 0; i < n; i++) v[start + i] = (v[start + i]! - words[i]!) | 0;
    }
    if (m !== -1) for (let i = start; i < start + n; i++) v[i] = v[i]! & m;
    yield;
  }
}

/**
 * Δ_{u,v} of the pairwise mask: +1 when u's id sorts before v's (u adds PRG(s_{u,v})), −1 otherwise (u subtracts it),
 * so the pair's masks cancel in the sum. @throws {RangeError} when u = v.
 * @see Bonawitz et al., CCS 2017, §4 Round 2 (Δ = 1 when u > v, −1 when u < v: the opposite, equally valid, convention)
 */
export function pairwiseSign(ownId: string, peerId: string): 1 | -1 {
  if (ownId === peerId) throw new RangeError(`pairwiseSign: a client has no pairwise mask with itself (${ownId})`);
  return ownId < peerId ? 1 : -1;
}
