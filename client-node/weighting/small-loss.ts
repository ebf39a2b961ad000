/**
 * Co-teaching forget rate at round t: R(t) = τ·min(t / T_k, 1) — drop nothing at first, then a share τ (the estimated
 * noise rate) once the network starts memorising (after T_k rounds).
 * @see Han et al. 2018, "Co-teaching: Robust Training of Deep Neural Networks with Extremely Noisy Labels", Alg. 1,
 *      R(T) = 1 − min{T·τ / T_k, τ}.
 * @throws {RangeError} for τ outside [0, 1) or T_k ≤ 0.
 */
export function forgetRate(round: number, noiseRate: number, warmupRounds: number): number {
  if (!(noiseRate >= 0 && noiseRate < 1)) throw new RangeError(`noise rate τ must be in [0, 1), got ${noiseRate}`);
  if (!(warmupRounds > 0)) throw new RangeError(`T_k must be > 0, got ${warmupRounds}`);
  return noiseRate * Math.min(Math.max(round, 0) / warmupRounds, 1);
}

/**
 * Small-loss selection: weight 1 for the ⌈(1 − R)·n⌉ samples with the smallest losses, 0 for the rest (ties broken by
 * index; NaN losses count as largest). Ranking is per client, not per class (per-class cuts over-drop a client's
 * dominant classes under label skew, platform-probes.md "Later findings").
 * @returns Float32Array [n] of 0/1 weights.
 */
export function smallLossWeights(losses: Float32Array, forget: number): Float32Array {
  const n = losses.length;
  const keep = Math.ceil((1 - Math.min(Math.max(forget, 0), 1)) * n);
  const key = (i: number) => (Number.isNaN(losses[i]!) ? Infinity : losses[i]!);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => key(a) - key(b) || a - b);
  const w = new Float32Array(n);
  for (let r = 0; r < keep; r++) w[order[r]!] = 1;
  return w;
}
