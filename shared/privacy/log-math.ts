/** log(e^a + e^b) without overflow; −∞ is the identity. */
export function logAdd(a: number, b: number): number {
  const hi = Math.max(a, b);
  if (hi === -Infinity) return -Infinity;
  return hi + Math.log1p(Math.exp(Math.min(a, b) - hi));
}

/** log(e^a − e^b) for a ≥ b; −∞ when a = b. @throws RangeError when b > a (the difference would be negative). */
export function logSub(a: number, b: number): number {
  if (b > a) throw new RangeError(`logSub: the second term (${b}) exceeds the first (${a})`);
  if (b === -Infinity) return a;
  if (a === b) return -Infinity;
  return a + Math.log(-Math.expm1(b - a));
}

const LOG_SQRT_PI = 0.5 * Math.log(Math.PI);

/**
 * erf(x) for 0 ≤ x < 3 from the series of positive terms (2/√π)·e^{−x²}·Σ_n 2ⁿx^{2n+1} / (1·3·…·(2n+1))
 * (Abramowitz & Stegun 7.1.6): no cancellation, so 1 − erf(x) keeps ~12 significant digits up to x = 3.
 */
function erfSeries(x: number): number {
  let term = x;
  let sum = x;
  for (let n = 1; term > sum * 1e-17; n++) {
    term *= (2 * x * x) / (2 * n + 1);
    sum += term;
  }
  return (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * sum;
}

/**
 * log K(x) where erfc(x) = e^{−x²} / (√π · K(x)), x ≥ 3, from the continued fraction
 * K = x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …)))) (A&S 7.1.14), evaluated by the modified Lentz method.
 */
function logContinuedFraction(x: number): number {
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 10_000; n++) {
    const a = n / 2;
    d = x + a * d;
    d = Math.abs(d) < tiny ? tiny : d;
    c = x + a / c;
    c = Math.abs(c) < tiny ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.log(f);
}

/**
 * log erfc(x) for every real x, accurate to ~1e-12 relative where erfc would underflow (x up to 10⁸ and beyond).
 * @see Abramowitz & Stegun 7.1.6 (series, x < 3) and 7.1.14 (continued fraction, x ≥ 3); erfc(−x) = 2 − erfc(x).
 */
export function logErfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return Math.log(1 + erfSeriesOrOne(-x));
  if (x < 3) return Math.log1p(-erfSeries(x));
  return -x * x - LOG_SQRT_PI - logContinuedFraction(x);
}

/** erf(y) for y ≥ 0: the series below 3, else 1 − erfc(y). */
function erfSeriesOrOne(y: number): number {
  return y < 3 ? erfSeries(y) : 1 - Math.exp(logErfc(y));
}
