/**
 * Model-poisoning behaviours a client can be told to adopt, to test robust aggregation (fault injection for
 * experiments; never on by default). With Δ = w_local − w_global:
 * - `scale`: send w_global + f·Δ (a boosted update);
 * - `signflip`: send w_global − f·Δ (an update pushing the other way).
 * @see Blanchard et al. 2017 and Fang et al. 2020, "Local Model Poisoning Attacks to Byzantine-Robust Federated
 *      Learning", Sec. 5 (sign-flipping and scaling baselines).
 */
export interface Attack {
  kind: 'scale' | 'signflip';
  /** f > 0 */
  factor: number;
}

/** Parses `scale:100` or `signflip:4` (factor defaults to 1). @returns undefined for an unknown form. */
export function parseAttack(spec: string): Attack | undefined {
  const [kind, factorText] = spec.split(':');
  const factor = factorText === undefined ? 1 : Number(factorText);
  if ((kind !== 'scale' && kind !== 'signflip') || !(factor > 0)) return undefined;
  return { kind, factor };
}

/** The update a poisoning client sends instead of `local` (new array; inputs untouched). Shapes: equal-length vectors. */
export function poisonUpdate(global: Float32Array, local: Float32Array, attack: Attack): Float32Array {
  const sign = attack.kind === 'scale' ? 1 : -1;
  return Float32Array.from(local, (w, i) => global[i]! + sign * attack.factor * (w - global[i]!));
}
