import { logAdd, logErfc, logSub } from './log-math.js';

/** Rényi orders α used by default: 1 + x/10 for x = 1…99, then 12…63 (Opacus `DEFAULT_ALPHAS`). */
export const DEFAULT_RDP_ORDERS: readonly number[] = Object.freeze([
  ...Array.from({ length: 99 }, (_, x) => 1 + (x + 1) / 10),
  ...Array.from({ length: 52 }, (_, x) => 12 + x),
]);

/** log binom(n, k) for integers 0 ≤ k ≤ n. */
function logBinomial(n: number, k: number): number {
  let s = 0;
  for (let i = 1; i <= k; i++) s += Math.log((n - k + i) / i);
  return s;
}

/**
 * log A_α for an integer α ≥ 2: A_α = Σ_{k=0}^{α} C(α,k)·(1−q)^{α−k}·q^k·exp((k²−k)/(2σ²)).
 * @see Mironov, Talwar, Zhang 2019, "Rényi Differential Privacy of the Sampled Gaussian Mechanism", Sec. 3.3.
 */
function logAInteger(q: number, sigma: number, alpha: number): number {
  let logA = -Infinity;
  for (let k = 0; k <= alpha; k++) {
    const term =
      logBinomial(alpha, k) + k * Math.log(q) + (alpha - k) * Math.log1p(-q) + (k * k - k) / (2 * sigma * sigma);
    logA = logAdd(logA, term);
  }
  return logA;
}

/**
 * log A_α for a fractional α > 1, as the sum of the two series of MTZ'19 Sec. 3.4 (A_α = A_α,0 + A_α,1, with
 * z₀ = σ²·log(1/q − 1) + 1/2), summed until both terms fall below e^{−30}; binomial coefficients of a real α
 * change sign past α, hence the signed log-space sums.
 * @see Mironov, Talwar, Zhang 2019, Sec. 3.4.
 */
function logAFractional(q: number, sigma: number, alpha: number): number {
  let logA0 = -Infinity;
  let logA1 = -Infinity;
  const z0 = sigma * sigma * Math.log(1 / q - 1) + 0.5;
  let coef = 1; // binom(α, i), built term by term
  for (let i = 0; ; i++) {
    if (i > 0) coef *= (alpha - i + 1) / i;
    const logCoef = Math.log(Math.abs(coef));
    const j = alpha - i;
    const logT0 = logCoef + i * Math.log(q) + j * Math.log1p(-q);
    const logT1 = logCoef + j * Math.log(q) + i * Math.log1p(-q);
    const logE0 = Math.log(0.5) + logErfc((i - z0) / (Math.SQRT2 * sigma));
    const logE1 = Math.log(0.5) + logErfc((z0 - j) / (Math.SQRT2 * sigma));
    const logS0 = logT0 + (i * i - i) / (2 * sigma * sigma) + logE0;
    const logS1 = logT1 + (j * j - j) / (2 * sigma * sigma) + logE1;
    if (coef > 0) {
      logA0 = logAdd(logA0, logS0);
      logA1 = logAdd(logA1, logS1);
    } else {
      logA0 = logSub(logA0, logS0);
      logA1 = logSub(logA1, logS1);
    }
    if (Math.max(logS0, logS1) < -30 || i > 100_000) break;
  }
  return logAdd(logA0, logA1);
}

function checkRate(samplingRate: number, noiseMultiplier: number): void {
  if (!(samplingRate >= 0 && samplingRate <= 1)) throw new RangeError(`samplingRate ${samplingRate} is not in [0, 1]`);
  if (!(noiseMultiplier >= 0) || !Number.isFinite(noiseMultiplier))
    throw new RangeError(`noiseMultiplier ${noiseMultiplier} is not a finite number ≥ 0`);
}

/**
 * RDP ε(α) of ONE step of the sampled Gaussian mechanism at every order: each record (here: each client) is included
 * with probability q and the sum of clipped contributions gets N(0, σ²C²) noise, σ = noise stddev ÷ L2 sensitivity.
 * q = 0 → 0; σ = 0 → ∞; q = 1 → α/(2σ²) (the plain Gaussian mechanism). Large orders with small σ may give ∞: that
 * order then loses in the conversion.
 * @param samplingRate q ∈ [0, 1]. @param noiseMultiplier σ ≥ 0. @param orders α > 1 each (default DEFAULT_RDP_ORDERS).
 * @returns ε(α) in nats, one per order.
 * @throws {RangeError} when q ∉ [0, 1], σ < 0 or not finite, or an order is ≤ 1.
 * @see Mironov, Talwar, Zhang 2019, Sec. 3.3–3.4 (log A_α / (α − 1)); Mironov 2017, "Rényi Differential Privacy",
 *      Prop. 7 (Gaussian mechanism).
 */
export function sampledGaussianRdp(
  samplingRate: number,
  noiseMultiplier: number,
  orders: readonly number[] = DEFAULT_RDP_ORDERS,
): Float64Array {
  checkRate(samplingRate, noiseMultiplier);
  return Float64Array.from(orders, (alpha) => {
    if (!(alpha > 1)) throw new RangeError(`RDP order ${alpha} is not > 1`);
    if (samplingRate === 0) return 0;
    if (noiseMultiplier === 0 || alpha === Infinity) return Infinity;
    if (samplingRate === 1) return alpha / (2 * noiseMultiplier * noiseMultiplier);
    const logA = Number.isInteger(alpha)
      ? logAInteger(samplingRate, noiseMultiplier, alpha)
      : logAFractional(samplingRate, noiseMultiplier, alpha);
    return logA / (alpha - 1);
  });
}

/**
 * (ε, δ) from an RDP curve, at the best order: ε = min_α rdp(α) + log((α−1)/α) − (log δ + log α)/(α − 1), at least 0.
 * @param rdp ε(α) per order (nats). @param orders the orders, same length. @param delta δ ∈ (0, 1).
 * @returns ε and the order that gave it (ε = ∞, order NaN when every order is infinite).
 * @throws {RangeError} when δ ∉ (0, 1) or the lengths differ.
 * @see Balle et al. 2020, "Hypothesis Testing Interpretations and Rényi Differential Privacy", Thm 21; Canonne,
 *      Kamath, Steinke 2020, Prop. 12; Opacus `get_privacy_spent`.
 */
export function epsilonFromRdp(
  rdp: ArrayLike<number>,
  orders: readonly number[],
  delta: number,
): { epsilon: number; order: number } {
  if (!(delta > 0 && delta < 1)) throw new RangeError(`delta ${delta} is not in (0, 1)`);
  if (rdp.length !== orders.length) throw new RangeError(`${rdp.length} RDP values for ${orders.length} orders`);
  let best = { epsilon: Infinity, order: NaN };
  orders.forEach((alpha, i) => {
    const eps = rdp[i]! + Math.log((alpha - 1) / alpha) - (Math.log(delta) + Math.log(alpha)) / (alpha - 1);
    if (eps < best.epsilon) best = { epsilon: Math.max(0, eps), order: alpha };
  });
  return best;
}
