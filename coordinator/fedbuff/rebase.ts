import { foldValues } from '../../shared/codec/index.js';
import type { UpdateValues } from '../strategies/index.js';

/** Values rebased per block (floats): 16 KiB of scratch, whatever the model's size. */
const REBASE_BLOCK = 4096;

/**
 * An update trained from the global model w_b, moved onto the current global model w_v as FedBuff folds it:
 *   x′ = w_v + f·(x − w_b),  f = η_g·s(τ)  (server learning rate × staleness weight)
 * so that a FedAvg-family accumulator folding x′ with weight nₖ yields
 *   mean = w_v + η_g·Σₖ nₖ·s(τₖ)·(xₖ − w_bₖ) / Σₖ nₖ,
 * FedBuff's buffered step (the paper's Δ averaged with example weights), and the strategy's server update (FedAvgM
 * momentum, FedOpt) then applies once per version to mean − w_v. When f = 1 and w_b is w_v (τ = 0, η_g = 1), x′ = x:
 * the values are handed on untouched, so the fold is synchronous FedAvg's, bit for bit.
 * Computed block by block while the accumulator folds (x′_i = fround(w_v,i + f·(x_i − w_b,i)) in float64), never as a
 * model-sized copy; a compressed update is decoded block by block on the way.
 * @param x the update's values (dense, or decoded blocks), `current.length` of them.
 * @param current w_v, [parameters] float32; @param base w_b, [parameters] float32 (the same array when τ = 0).
 * @param factor f > 0.
 * @returns the rebased values, valid while x, current and base are.
 * @see Nguyen et al. 2022, "Federated Learning with Buffered Asynchronous Aggregation", AISTATS, Alg. 1.
 */
export function rebaseUpdate(x: UpdateValues, current: Float32Array, base: Float32Array, factor: number): UpdateValues {
  if (factor === 1 && current === base) return x;
  const scratch = new Float32Array(Math.min(REBASE_BLOCK, current.length));
  const rebase = (offset: number, block: Float32Array): Float32Array => {
    const out = scratch.subarray(0, block.length);
    for (let i = 0, j = offset; i < block.length; i++, j++) out[i] = current[j]! + factor * (block[i]! - base[j]!);
    return out;
  };
  const forEachBlock = (fn: (offset: number, block: Float32Array) => void): void => {
    if (!(x instanceof Float32Array)) return x.forEachBlock((offset, block) => fn(offset, rebase(offset, block)));
    for (let offset = 0; offset < x.length; offset += REBASE_BLOCK)
      fn(offset, rebase(offset, x.subarray(offset, offset + REBASE_BLOCK)));
  };
  return {
    length: x.length,
    forEachBlock,
    foldInto: (mean, r) => forEachBlock((offset, block) => foldValues(mean, offset, block, r)),
  };
}
