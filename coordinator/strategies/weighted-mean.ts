import { AggregationError } from '../../shared/errors/index.js';

/**
 * Running weighted mean of equal-length float32 vectors: m ← m + (w / W)·(x − m), W = Σ w so far (the first vector
 * with w > 0 is copied). One Float32Array of the vector length (4 bytes per parameter: `scratch` when given, else
 * allocated when the first vector arrives), so FedAvg aggregation needs about one model of memory beyond the update
 * being folded. Arrival order changes the result only by float32 rounding.
 */
export class RunningWeightedMean {
  private values: Float32Array | undefined;
  private totalWeight = 0;
  private n = 0;

  /** @param scratch a buffer of `length` values to work in (its contents are overwritten); otherwise one is allocated. */
  constructor(
    readonly length: number,
    private readonly scratch?: Float32Array,
  ) {}

  /** Number of vectors folded. */
  get count(): number {
    return this.n;
  }

  /** Σ w so far. */
  get weight(): number {
    return this.totalWeight;
  }

  /** Folds w·x. @throws {AggregationError} on a length mismatch or a weight that is negative or not finite. */
  add(x: Float32Array, w: number, who = 'update'): void {
    if (x.length !== this.length) throw new AggregationError(`${who}: ${x.length} values, expected ${this.length}`);
    if (!(w >= 0) || !Number.isFinite(w))
      throw new AggregationError(`${who}: weight ${w} is not a finite non-negative number`);
    this.n++;
    if (w === 0) return;
    this.totalWeight += w;
    if (!this.values) {
      this.values = this.scratch?.length === this.length ? this.scratch : new Float32Array(this.length);
      this.values.set(x);
      return;
    }
    const m = this.values;
    const r = w / this.totalWeight;
    for (let i = 0; i < m.length; i++) m[i] = m[i]! + r * (x[i]! - m[i]!);
  }

  /** The weighted mean (the accumulator's own buffer). @throws {AggregationError} when Σ w = 0 (nothing to average). */
  mean(): Float32Array {
    if (!this.values)
      throw new AggregationError(`cannot average ${this.n} updates with total weight ${this.totalWeight}`);
    return this.values;
  }
}

/** Example-weighted mean of each metric name over the entries that report it. */
export function weightedMetricMeans(
  entries: readonly { numExamples: number; metrics: Readonly<Record<string, number>> }[],
): Record<string, number> {
  const acc = new Map<string, { s: number; w: number }>();
  for (const e of entries) {
    for (const [k, v] of Object.entries(e.metrics)) {
      if (!Number.isFinite(v)) continue;
      const a = acc.get(k) ?? { s: 0, w: 0 };
      a.s += v * e.numExamples;
      a.w += e.numExamples;
      acc.set(k, a);
    }
  }
  return Object.fromEntries([...acc].filter(([, a]) => a.w > 0).map(([k, a]) => [k, a.s / a.w]));
}
