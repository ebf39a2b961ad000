import { AggregationError } from '../../shared/errors/index.js';

/**
 * Running Σ wₖ·xₖ and Σ wₖ over equal-length float vectors, in float64 so the order of arrival does not change the
 * result beyond float32 rounding. Memory: one Float64Array of the vector length (8 bytes per parameter), allocated
 * when the first vector arrives.
 */
export class RunningWeightedSum {
  private sumValues: Float64Array | undefined;
  private totalWeight = 0;
  private n = 0;

  constructor(readonly length: number) {}

  private get sum(): Float64Array {
    return (this.sumValues ??= new Float64Array(this.length));
  }

  /** Number of vectors folded. */
  get count(): number {
    return this.n;
  }

  /** Σ wₖ so far. */
  get weight(): number {
    return this.totalWeight;
  }

  /** Adds w·x. @throws {AggregationError} on a length mismatch or a weight that is negative or not finite. */
  add(x: Float32Array, w: number, who = 'update'): void {
    if (x.length !== this.length) throw new AggregationError(`${who}: ${x.length} values, expected ${this.length}`);
    if (!(w >= 0) || !Number.isFinite(w)) throw new AggregationError(`${who}: weight ${w} is not a finite non-negative number`);
    const s = this.sum;
    for (let i = 0; i < s.length; i++) s[i] = s[i]! + w * x[i]!;
    this.totalWeight += w;
    this.n++;
  }

  /** Σ wₖ·xₖ / Σ wₖ as float32. @throws {AggregationError} when Σ wₖ = 0 (nothing to average). */
  mean(): Float32Array {
    if (!(this.totalWeight > 0)) throw new AggregationError(`cannot average ${this.n} updates with total weight ${this.totalWeight}`);
    const out = new Float32Array(this.length);
    for (let i = 0; i < out.length; i++) out[i] = this.sum[i]! / this.totalWeight;
    return out;
  }
}

/** Example-weighted mean of each metric name over the entries that report it. */
export function weightedMetricMeans(entries: readonly { numExamples: number; metrics: Readonly<Record<string, number>> }[]): Record<string, number> {
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

