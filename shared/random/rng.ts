/**
 * A seeded pseudo-random source. `next()` returns a float in [0, 1). Every random choice in fedsift (client selection,
 * data partition, shuffles, label noise) takes one explicitly, so a run is reproducible from its seed.
 */
export interface Rng {
  next(): number;
}

/**
 * sfc32 (Chris Doty-Humphrey's Small Fast Counter, 32-bit), seeded through splitmix32 so that nearby seeds give
 * unrelated streams. Period ≥ 2^32; passes PractRand to 2^40 bytes.
 * @param seed any integer; the same seed gives the same sequence on every platform.
 */
export function createRng(seed: number): Rng {
  let s = seed >>> 0;
  const splitmix = (): number => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix(),
    b = splitmix(),
    c = splitmix(),
    d = splitmix();
  return {
    next(): number {
      const t = (((a + b) >>> 0) + d) >>> 0;
      d = (d + 1) >>> 0;
      a = b ^ (b >>> 9);
      b = (c + (c << 3)) >>> 0;
      c = ((c << 21) | (c >>> 11)) >>> 0;
      c = (c + t) >>> 0;
      return t / 4294967296;
    },
  };
}

/** Derives an independent seed for a named sub-stream (`deriveSeed(runSeed, 'select', round)`), stable across versions. */
export function deriveSeed(seed: number, ...parts: (string | number)[]): number {
  let h = (seed ^ 0x811c9dc5) >>> 0;
  for (const ch of parts.join('/')) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return h;
}

/** Uniform integer in [0, n). @throws {RangeError} when n is not a positive integer. */
export function randomInt(rng: Rng, n: number): number {
  if (!Number.isInteger(n) || n <= 0) throw new RangeError(`randomInt: n must be a positive integer, got ${n}`);
  return Math.floor(rng.next() * n);
}

/** Fisher–Yates shuffle in place; returns the same array. */
export function shuffleInPlace<T>(rng: Rng, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randomInt(rng, i + 1);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** Picks `k` distinct items uniformly at random (all of them, shuffled, when k ≥ items.length). */
export function sampleWithoutReplacement<T>(rng: Rng, items: readonly T[], k: number): T[] {
  return shuffleInPlace(rng, items.slice()).slice(0, Math.max(0, k));
}

/** Standard normal draw (Box–Muller). */
export function normal(rng: Rng): number {
  const u = 1 - rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

/**
 * Gamma(shape, 1) draw by Marsaglia & Tsang (2000), "A simple method for generating gamma variables", with the
 * shape < 1 boost Gamma(a) = Gamma(a + 1)·U^(1/a). @throws {RangeError} when shape ≤ 0.
 */
export function gamma(rng: Rng, shape: number): number {
  return gammaDraw(rng, shape).value;
}

/**
 * A Gamma(shape, 1) draw and its natural log, computed from the same random numbers; the log stays finite when a tiny
 * shape (α ≲ 0.01) makes the draw itself underflow to 0.
 */
function gammaDraw(rng: Rng, shape: number): { value: number; log: number } {
  if (!(shape > 0)) throw new RangeError(`gamma: shape must be > 0, got ${shape}`);
  if (shape < 1) {
    const base = gamma(rng, shape + 1);
    const u = 1 - rng.next();
    return { value: base * Math.pow(u, 1 / shape), log: Math.log(base) + Math.log(u) / shape };
  }
  const value = gammaAtLeastOne(rng, shape);
  return { value, log: Math.log(value) };
}

/** Marsaglia & Tsang for shape ≥ 1. */
function gammaAtLeastOne(rng: Rng, shape: number): number {
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number, v: number;
    do {
      x = normal(rng);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - rng.next();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/**
 * Symmetric Dirichlet(α·1_k) draw: k non-negative proportions summing to 1 (normalised Gamma(α) draws). When every
 * draw underflows to 0 (tiny α), the proportions come from their logs (a softmax), so the draw stays as skewed as α
 * says instead of turning uniform. @throws {RangeError} when α ≤ 0 or k < 1.
 */
export function dirichlet(rng: Rng, alpha: number, k: number): number[] {
  if (!(k >= 1)) throw new RangeError(`dirichlet: k must be ≥ 1, got ${k}`);
  const draws = Array.from({ length: k }, () => gammaDraw(rng, alpha));
  const sum = draws.reduce((a, d) => a + d.value, 0);
  if (sum > 0) return draws.map((d) => d.value / sum);
  const max = Math.max(...draws.map((d) => d.log));
  const e = draws.map((d) => Math.exp(d.log - max));
  const total = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / total);
}
