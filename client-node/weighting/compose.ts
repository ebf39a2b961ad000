/**
 * Combines per-sample weight components (each [n] in [0, 1]: e.g. noisy-label flags, self-paced curriculum) into the
 * final weight: their product (every component can veto) or their minimum.
 * @throws {RangeError} when components differ in length or none is given.
 */
export function combineWeights(components: readonly Float32Array[], mode: 'product' | 'min' = 'product'): Float32Array {
  const first = components[0];
  if (!first) throw new RangeError('combineWeights: no component');
  if (components.some((c) => c.length !== first.length))
    throw new RangeError('combineWeights: components differ in length');
  const out = Float32Array.from(first);
  for (const c of components.slice(1)) {
    for (let i = 0; i < out.length; i++) out[i] = mode === 'product' ? out[i]! * c[i]! : Math.min(out[i]!, c[i]!);
  }
  return out;
}

/** Effective sample count Σ wᵢ, what a client reports as `effective_examples` for data-centric aggregation. */
export function effectiveSampleCount(weights: Float32Array): number {
  let s = 0;
  for (const w of weights) s += w;
  return s;
}
