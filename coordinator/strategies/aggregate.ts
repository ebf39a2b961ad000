import { foldValues } from '../../shared/codec/index.js';
import { AggregationError } from '../../shared/errors/index.js';
import type { UpdateValues } from './strategy.js';

/**
 * Running weighted mean of equal-length float32 vectors: m ← m + (w / W)·(x − m), W = Σ w so far (the first vector
 * with w > 0 is copied). One Float32Array of the vector length (4 bytes per parameter: `scratch` when given, else
 * allocated when the first vector arrives), so FedAvg aggregation needs about one model of memory beyond the update
 * being folded. Arrival order changes the result only by float32 rounding.
 * @see McMahan et al. 2017, "Communication-Efficient Learning of Deep Networks from Decentralized Data", Alg. 1
 *      (w ← Σ_k (n_k / n)·w_k); Flower `aggregate`.
 */
export class RunningWeightedMean {
  private values: Float32Array | undefined;
  private totalWeight = 0;
  private n = 0;

  /**
   * @param length floats per vector.
   * @param scratch a buffer of `length` values to work in (its contents are overwritten); otherwise one is allocated.
   */
  constructor(
    readonly length: number,
    private readonly scratch?: Float32Array,
  ) {}

  /** Number of vectors folded (zero-weight ones included). */
  get count(): number {
    return this.n;
  }

  /** Σ w so far. */
  get weight(): number {
    return this.totalWeight;
  }

  /**
   * Folds w·x; x is only read (a dense vector, or decoded blocks folded as they come). A vector of weight 0 is counted and otherwise ignored.
   * @param who names the vector in error messages, e.g. "client c3".
   * @throws {AggregationError} on a length mismatch or a weight that is negative or not finite (nothing is folded).
   */
  add(x: UpdateValues, w: number, who = 'update'): void {
    if (x.length !== this.length) throw new AggregationError(`${who}: ${x.length} values, expected ${this.length}`);
    if (!(w >= 0) || !Number.isFinite(w))
      throw new AggregationError(`${who}: weight ${w} is not a finite non-negative number`);
    this.n++;
    if (w === 0) return;
    this.totalWeight += w;
    const m = (this.values ??= this.scratch?.length === this.length ? this.scratch : new Float32Array(this.length));
    // The first vector of weight > 0 has r = w / w = 1 exactly: the step copies it (foldValues, foldInto).
    const r = w / this.totalWeight;
    if (x instanceof Float32Array) foldValues(m, 0, x, r);
    else x.foldInto(m, r);
  }

  /**
   * The weighted mean: the accumulator's own buffer (`scratch` when one was given), not a copy.
   * @throws {AggregationError} when Σ w = 0 (nothing to average), or when a value of the mean is not finite (a folded
   *         vector held NaN or ±Infinity): never a silent NaN model.
   */
  mean(): Float32Array {
    if (!this.values)
      throw new AggregationError(`cannot average ${this.n} updates with total weight ${this.totalWeight}`);
    const m = this.values;
    for (let i = 0; i < m.length; i++) {
      if (!Number.isFinite(m[i]!))
        throw new AggregationError(`weighted mean: value ${i} is ${m[i]} (non-finite input)`);
    }
    return m;
  }
}

/**
 * Example-weighted mean of each metric name over the entries that report it: Σ_k n_k·v_k / Σ_k n_k. Non-finite
 * values are skipped; a metric whose reporters have 0 examples in total is left out.
 * @returns metric name → mean, with only names some entry reports.
 * @see Flower `weighted_loss_avg`.
 */
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

/** Checks K ≥ 1 vectors of one length (that of `out` when given) and returns the length. */
function vectorLength(updates: readonly Float32Array[], out: Float32Array | undefined): number {
  if (updates.length === 0) throw new AggregationError('no updates to reduce');
  const length = out?.length ?? updates[0]!.length;
  updates.forEach((u, k) => {
    if (u.length !== length) throw new AggregationError(`update ${k}: ${u.length} values, expected ${length}`);
  });
  return length;
}

/**
 * Sorts coordinate j of every update into `vals` and returns it.
 * @throws {AggregationError} naming an update that holds a non-finite value there.
 */
function sortedCoordinate(updates: readonly Float32Array[], j: number, vals: Float32Array): Float32Array {
  for (let k = 0; k < vals.length; k++) vals[k] = updates[k]![j]!;
  vals.sort(); // numeric; NaN sorts last
  if (!Number.isFinite(vals[0]!) || !Number.isFinite(vals[vals.length - 1]!)) {
    const k = updates.findIndex((u) => !Number.isFinite(u[j]!));
    throw new AggregationError(`update ${k}: value ${updates[k]![j]} is not finite`);
  }
  return vals;
}

/**
 * Coordinate-wise median of K vectors: out[j] = median_k updates[k][j] (unweighted; the mean of the middle two for an
 * even K). Tolerates fewer than half of the vectors being arbitrary.
 * @param updates K ≥ 1 vectors of equal length (e.g. one block of coordinates of every client's update).
 * @param out where to write the result (same length as the vectors); allocated when omitted.
 * @returns `out`.
 * @throws {AggregationError} when there is no vector, the lengths differ, or a value is not finite.
 * @see Yin et al. 2018, "Byzantine-Robust Distributed Learning: Towards Optimal Statistical Rates", Def. 1;
 *      Flower `aggregate_median`.
 */
export function coordinateMedian(updates: readonly Float32Array[], out?: Float32Array): Float32Array {
  const length = vectorLength(updates, out);
  const result = out ?? new Float32Array(length);
  const vals = new Float32Array(updates.length);
  const h = vals.length >> 1;
  for (let j = 0; j < length; j++) {
    const s = sortedCoordinate(updates, j, vals);
    result[j] = s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
  }
  return result;
}

/**
 * Coordinate-wise β-trimmed mean of K vectors: for every coordinate, drop the ⌊β·K⌋ largest and the ⌊β·K⌋ smallest
 * values and average the K − 2⌊β·K⌋ others (unweighted). β = 0 is the plain mean.
 * @param updates K ≥ 1 vectors of equal length.
 * @param beta share trimmed at each end, in [0, 0.5).
 * @param out where to write the result (same length as the vectors); allocated when omitted.
 * @returns `out`.
 * @throws {AggregationError} when there is no vector, the lengths differ, a value is not finite, or β ∉ [0, 0.5).
 * @see Yin et al. 2018, Def. 2; Flower `aggregate_trimmed_avg`.
 */
export function coordinateTrimmedMean(
  updates: readonly Float32Array[],
  beta: number,
  out?: Float32Array,
): Float32Array {
  if (!(beta >= 0 && beta < 0.5)) throw new AggregationError(`trimmed mean: beta ${beta} is not in [0, 0.5)`);
  const length = vectorLength(updates, out);
  const result = out ?? new Float32Array(length);
  const vals = new Float32Array(updates.length);
  const cut = Math.floor(beta * vals.length);
  for (let j = 0; j < length; j++) {
    const s = sortedCoordinate(updates, j, vals);
    let sum = 0;
    for (let i = cut; i < s.length - cut; i++) sum += s[i]!;
    result[j] = sum / (s.length - 2 * cut);
  }
  return result;
}

/**
 * Pairwise squared Euclidean distances of K vectors, d[i][j] = Σ_x (updates[i][x] − updates[j][x])² (float64),
 * added into `into` when given: called once per block of coordinates, it accumulates the distances of whole updates.
 * @param updates K ≥ 1 vectors of equal length.
 * @param into a K × K matrix to add to (rows of K float64s); a new zero matrix when omitted.
 * @returns `into` (symmetric; the diagonal is left as it was, 0 in a new matrix).
 * @throws {AggregationError} when there is no vector, the lengths differ, `into` is not K × K, or a value is not finite.
 * @see Blanchard et al. 2017, "Machine Learning with Adversaries: Byzantine Tolerant Gradient Descent", Sec. 4
 *      (‖V_i − V_j‖²); Flower `_compute_distances`.
 */
export function squaredDistances(updates: readonly Float32Array[], into?: Float64Array[]): Float64Array[] {
  vectorLength(updates, undefined);
  const n = updates.length;
  const d = into ?? Array.from({ length: n }, () => new Float64Array(n));
  if (d.length !== n || d.some((row) => row.length !== n))
    throw new AggregationError(`distance matrix is not ${n} × ${n}`);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const a = updates[i]!,
        b = updates[j]!;
      let s = 0;
      for (let x = 0; x < a.length; x++) {
        const diff = a[x]! - b[x]!;
        s += diff * diff;
      }
      if (!Number.isFinite(s)) throw new AggregationError(`updates ${i} and ${j}: a value is not finite`);
      d[i]![j]! += s;
      d[j]![i]! += s;
    }
  }
  return d;
}

/**
 * Krum scores: for each of n updates, the sum of its squared distances to its n − f − 2 nearest other updates (at
 * least 1 neighbour). Lower is more central.
 * @param distances n × n squared distances (see squaredDistances).
 * @param numMalicious f, the Byzantine updates tolerated (n ≥ 2f + 3 for the guarantee).
 * @returns one score per update, in the order of `distances`.
 * @throws {AggregationError} when f is not a non-negative integer.
 * @see Blanchard et al. 2017, Sec. 4, s(i) = Σ_{i→j} ‖V_i − V_j‖²; Flower `aggregate_krum`.
 */
export function krumScores(distances: readonly Float64Array[], numMalicious: number): number[] {
  if (!Number.isInteger(numMalicious) || numMalicious < 0)
    throw new AggregationError(`krum: numMalicious ${numMalicious} is not a non-negative integer`);
  const nearest = Math.max(1, distances.length - numMalicious - 2);
  return distances.map((row, i) =>
    [...row]
      .filter((_, j) => j !== i)
      .sort((a, b) => a - b)
      .slice(0, nearest)
      .reduce((s, v) => s + v, 0),
  );
}

/**
 * Multi-Krum selection: the indices of the m lowest scores, lowest first; ties go to the lower index, so the choice
 * does not depend on anything but the scores. m = 1 is Krum.
 * @param scores one Krum score per update.
 * @param numSelected m ≥ 1; all updates when m exceeds their number.
 * @throws {AggregationError} when m is not a positive integer.
 * @see Blanchard et al. 2017, Sec. 5 (Multi-Krum); Flower `aggregate_krum` with `num_clients_to_keep`.
 */
export function multiKrumSelection(scores: readonly number[], numSelected: number): number[] {
  if (!Number.isInteger(numSelected) || numSelected < 1)
    throw new AggregationError(`krum: numSelected ${numSelected} is not a positive integer`);
  return scores
    .map((s, i) => [s, i] as const)
    .sort((x, y) => x[0] - y[0] || x[1] - y[1])
    .slice(0, numSelected)
    .map(([, i]) => i);
}

/** The values of an update as one dense vector: `values` itself when dense, else its blocks copied into a new one. */
export function denseValues(values: UpdateValues): Float32Array {
  if (values instanceof Float32Array) return values;
  const out = new Float32Array(values.length);
  values.forEachBlock((offset, block) => out.set(block, offset));
  return out;
}
