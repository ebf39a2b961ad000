import { DEFAULT_RDP_ORDERS, epsilonFromRdp, sampledGaussianRdp } from './rdp.js';

/** One kind of privacy-relevant step and how many times it was taken: the accountant's state (JSON-serialisable). */
export interface PrivacyStep {
  /** σ: noise stddev ÷ L2 sensitivity (the clipping norm). */
  noiseMultiplier: number;
  /** q ∈ (0, 1]: probability that a given client takes part in the step. */
  samplingRate: number;
  /** Steps taken with these σ and q (≥ 1). */
  count: number;
}

/**
 * Privacy accountant for a sequence of sampled Gaussian steps (one per round): RDP composes additively over steps,
 * ε(α) = Σ_steps count·ε_step(α), converted to (ε, δ) at the best order. Its state is the list of steps, so a run's
 * accountant is checkpointed as `history()` and rebuilt from it.
 * @see Mironov 2017, Prop. 1 (composition); Mironov, Talwar, Zhang 2019 (sampled Gaussian); Opacus `RDPAccountant`.
 */
export class RdpAccountant {
  private readonly steps: PrivacyStep[] = [];
  private readonly rdp: Float64Array;

  /**
   * @param history steps already taken (e.g. from a checkpoint). @param orders Rényi orders (default DEFAULT_RDP_ORDERS).
   * @throws {RangeError} on an invalid step in `history`.
   */
  constructor(
    history: readonly PrivacyStep[] = [],
    private readonly orders: readonly number[] = DEFAULT_RDP_ORDERS,
  ) {
    this.rdp = new Float64Array(orders.length);
    for (const s of history) this.step(s.noiseMultiplier, s.samplingRate, s.count);
  }

  /**
   * Records `count` steps with noise multiplier σ and sampling rate q; merged into the last entry when σ and q equal it.
   * @throws {RangeError} when σ < 0 or not finite, q ∉ (0, 1], or count is not a positive integer.
   */
  step(noiseMultiplier: number, samplingRate: number, count = 1): void {
    if (!(samplingRate > 0)) throw new RangeError(`samplingRate ${samplingRate} is not in (0, 1]`);
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`count ${count} is not a positive integer`);
    const one = sampledGaussianRdp(samplingRate, noiseMultiplier, this.orders);
    for (let i = 0; i < one.length; i++) this.rdp[i]! += count * one[i]!;
    const last = this.steps.at(-1);
    if (last?.noiseMultiplier === noiseMultiplier && last.samplingRate === samplingRate) last.count += count;
    else this.steps.push({ noiseMultiplier, samplingRate, count });
  }

  /**
   * (ε, δ)-DP spent so far: ε at δ and the order that gave it; ε = 0 (order NaN) before any step.
   * @throws {RangeError} when δ ∉ (0, 1).
   */
  epsilon(delta: number): { epsilon: number; order: number } {
    if (this.steps.length === 0) {
      if (!(delta > 0 && delta < 1)) throw new RangeError(`delta ${delta} is not in (0, 1)`);
      return { epsilon: 0, order: NaN };
    }
    return epsilonFromRdp(this.rdp, this.orders, delta);
  }

  /**
   * ε at δ if one more step (σ, q) were taken, without recording it: a targetEpsilon check before a round.
   * @throws {RangeError} on invalid σ, q or δ.
   */
  epsilonAfterStep(noiseMultiplier: number, samplingRate: number, delta: number): number {
    if (!(samplingRate > 0)) throw new RangeError(`samplingRate ${samplingRate} is not in (0, 1]`);
    const one = sampledGaussianRdp(samplingRate, noiseMultiplier, this.orders);
    return epsilonFromRdp(
      this.rdp.map((v, i) => v + one[i]!),
      this.orders,
      delta,
    ).epsilon;
  }

  /** A copy of the steps taken, oldest first (for checkpoints and the run record). */
  history(): PrivacyStep[] {
    return this.steps.map((s) => ({ ...s }));
  }
}
