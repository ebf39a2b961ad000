import { ConfigError, SecAggProtocolError } from '../errors/index.js';

/**
 * SecAgg+ settings as a user writes them, with Flower's names (`SecAggPlusWorkflow`) so settings carry over.
 * `numShares` and `reconstructionThreshold` are an integer (a count) or a fraction in (0, 1) of the round's clients
 * (respectively of `numShares`); the integer 1 means the fraction 1.0, as in Flower.
 * @see Bell et al., CCS 2020, §3 (k = numShares neighbours, threshold t); Flower `SecAggPlusWorkflow`
 */
export interface SecAggSettings {
  /** Shares each secret is split into: the client's neighbourhood size, itself included. Count (> 2) or fraction. */
  numShares: number;
  /** Shares needed to rebuild a secret: count (≥ 2, < numShares) or a fraction of numShares. */
  reconstructionThreshold: number;
  /** Example count at which a client's weight saturates: rₖ = min(nₖ, maxWeight) / maxWeight. @default 1000 */
  maxWeight?: number;
  /** Every coordinate is clipped to ±clippingRange before quantisation (model units); ≥ 1. @default 8.0 */
  clippingRange?: number;
  /** Quantised values lie in [0, quantizationRange − 1] (integer levels). @default 2^22 */
  quantizationRange?: number;
  /** Masks and sums live mod this power of two, ≤ 2^32. Flower calls it `modulus_range`. @default 2^32 */
  modulus?: number;
}

/** SecAggSettings with defaults filled in and validated, before a round's client count is known. Frozen. */
export type SecAggParams = Readonly<Required<SecAggSettings>>;

/**
 * SecAgg+ parameters of one round: counts resolved against the round's number of clients. Frozen.
 * numShares ≤ numClients; 2 ≤ threshold ≤ numShares; numClients·(quantizationRange − 1) < modulus.
 */
export interface RoundSecAggParams {
  readonly numClients: number;
  readonly numShares: number;
  readonly threshold: number;
  readonly maxWeight: number;
  readonly clippingRange: number;
  readonly quantizationRange: number;
  readonly modulus: number;
}

/** Defaults of Flower's `SecAggPlusWorkflow`. */
export const SECAGG_DEFAULTS = Object.freeze({
  maxWeight: 1000,
  clippingRange: 8.0,
  quantizationRange: 2 ** 22,
  modulus: 2 ** 32,
});

/** The largest Shamir share count the GF(2^8) library allows (x-coordinates 1..255). */
const MAX_SHARES = 255;

const isCount = (x: number): boolean => Number.isInteger(x) && x !== 1;
const isPowerOfTwo = (x: number): boolean => Number.isInteger(x) && x >= 2 && 2 ** Math.round(Math.log2(x)) === x;

/**
 * Fills in defaults and validates SecAgg+ settings, reporting every bad field at once as `path.field: message`.
 * @param path dot path of the settings in the run config, used in messages. @default 'secagg'
 * @throws {ConfigError} naming the first bad field (`field`), with all problems in the message.
 * @see Flower `SecAggPlusWorkflow._check_init_params`
 */
export function validateSecAggSettings(settings: SecAggSettings, path = 'secagg'): SecAggParams {
  const p = { ...SECAGG_DEFAULTS, ...dropUndefined(settings) } as Required<SecAggSettings>;
  const problems: [string, string][] = [];
  const bad = (field: string, message: string) => problems.push([field, message]);
  const { numShares: k, reconstructionThreshold: t } = p;
  if (typeof k !== 'number' || !Number.isFinite(k) || k <= 0) bad('numShares', `must be > 0, got ${k}`);
  else if (isCount(k) && k <= 2) bad('numShares', `as a count must be > 2, got ${k}`);
  else if (isCount(k) && k > MAX_SHARES) bad('numShares', `must be ≤ ${MAX_SHARES}, got ${k}`);
  else if (!isCount(k) && k > 1) bad('numShares', `as a fraction must be in (0, 1], got ${k}`);
  if (typeof t !== 'number' || !Number.isFinite(t) || t <= 0) bad('reconstructionThreshold', `must be > 0, got ${t}`);
  else if (!isCount(t) && t > 1) bad('reconstructionThreshold', `as a fraction must be in (0, 1], got ${t}`);
  else if (isCount(t) && t < 2) bad('reconstructionThreshold', `as a count must be ≥ 2, got ${t}`);
  else if (isCount(t) && isCount(k) && t >= k) bad('reconstructionThreshold', `must be < numShares (${k}), got ${t}`);
  if (!(p.maxWeight > 0) || !Number.isFinite(p.maxWeight))
    bad('maxWeight', `must be a finite number > 0, got ${p.maxWeight}`);
  // The weight rₖ ∈ [0, 1] rides as one more clipped coordinate: the range must hold it.
  if (!(p.clippingRange >= 1) || !Number.isFinite(p.clippingRange))
    bad('clippingRange', `must be a finite number ≥ 1 (the weight coordinate lies in [0, 1]), got ${p.clippingRange}`);
  if (!isPowerOfTwo(p.modulus) || p.modulus > 2 ** 32)
    bad('modulus', `must be a power of two in [2, 2^32], got ${p.modulus}`);
  if (!Number.isInteger(p.quantizationRange) || p.quantizationRange < 2)
    bad('quantizationRange', `must be an integer ≥ 2, got ${p.quantizationRange}`);
  else if (p.quantizationRange >= p.modulus)
    bad('quantizationRange', `must be < modulus (${p.modulus}), got ${p.quantizationRange}`);
  if (problems.length > 0) {
    const lines = problems.map(([f, m]) => `  ${path}.${f}: ${m}`).join('\n');
    throw new ConfigError(`invalid SecAgg+ settings:\n${lines}`, { field: `${path}.${problems[0]![0]}` });
  }
  return Object.freeze(p);
}

/**
 * Resolves counts for a round of `numClients` clients, as Flower's setup stage does: a fractional numShares becomes
 * round(f·n) (halves to even, as Python rounds), made odd when below n and even, and n when ≤ 2; an even count below n is made odd (a ring neighbourhood
 * is the client and (numShares − 1)/2 clients on each side); a count above n becomes n. A fractional threshold becomes
 * max(2, ⌊numShares/2⌋ + 1, round(f·numShares)): unlike Flower's max(2, round(f·numShares)), never half the shares or
 * fewer, which clients refuse (checkRoundParams). A count threshold is kept as it is.
 * @param numClients clients selected for the round (integer ≥ 2).
 * @throws {ConfigError} when the round cannot run with these settings: threshold above the resolved numShares, or
 *   numClients·(quantizationRange − 1) ≥ modulus (the sum of quantised values would wrap around).
 * @see Flower `SecAggPlusWorkflow.setup_stage`; Bell et al., CCS 2020, §3.2
 */
export function resolveRoundParams(params: SecAggParams, numClients: number, path = 'secagg'): RoundSecAggParams {
  if (!Number.isInteger(numClients) || numClients < 2)
    throw new ConfigError(`SecAgg+ needs at least 2 clients in a round, got ${numClients}`, { field: 'numClients' });
  const n = numClients;
  let k: number;
  if (isCount(params.numShares)) k = Math.min(params.numShares, n);
  else {
    k = roundHalfEven(params.numShares * n);
    if (k <= 2) k = n;
  }
  if (k < n && k % 2 === 0) k += 1;
  // A fraction never gives t ≤ k/2: clients refuse such a threshold (checkRoundParams).
  const t = isCount(params.reconstructionThreshold)
    ? params.reconstructionThreshold
    : Math.max(2, Math.floor(k / 2) + 1, roundHalfEven(params.reconstructionThreshold * k));
  if (t > k)
    throw new ConfigError(
      `${path}.reconstructionThreshold: ${t} exceeds the ${k} shares a round of ${n} clients allows`,
      { field: `${path}.reconstructionThreshold` },
    );
  if (n * (params.quantizationRange - 1) >= params.modulus)
    throw new ConfigError(
      `${path}.modulus: ${n} clients × (quantizationRange − 1) = ${n * (params.quantizationRange - 1)} would wrap ` +
        `around modulus ${params.modulus}; lower quantizationRange or raise modulus`,
      { field: `${path}.modulus` },
    );
  const { maxWeight, clippingRange, quantizationRange, modulus } = params;
  return Object.freeze({
    numClients: n,
    numShares: k,
    threshold: t,
    maxWeight,
    clippingRange,
    quantizationRange,
    modulus,
  });
}

/**
 * A client's check of the round parameters the coordinator sent: integer counts with 2 ≤ threshold ≤ numShares ≤
 * numClients and threshold > numShares/2, no wrap-around of the sum, sane quantisation. The majority threshold is what
 * makes a site's two secrets safe without a consistency round: a coordinator that tells some neighbours the site
 * dropped out and others that it survived gets at most numShares − threshold < threshold shares of the secret the
 * first group holds back, so it cannot rebuild both the mask key and the self-mask seed of one site.
 * @throws {SecAggProtocolError} (field 'params') naming the first bad value.
 * @see Bonawitz et al., CCS 2017, §4 (t > k/2 without the consistency check); Bell et al., CCS 2020, §3
 */
export function checkRoundParams(p: RoundSecAggParams, numClients: number): void {
  const bad = (what: string) => {
    throw new SecAggProtocolError(`SecAgg+ round parameters from the coordinator: ${what}`, { field: 'params' });
  };
  if (p.numClients !== numClients) bad(`numClients ${p.numClients} but ${numClients} clients listed`);
  if (!Number.isInteger(p.numShares) || p.numShares < 2 || p.numShares > Math.min(numClients, MAX_SHARES))
    bad(`numShares ${p.numShares} outside [2, ${Math.min(numClients, MAX_SHARES)}]`);
  if (!Number.isInteger(p.threshold) || p.threshold < 2 || p.threshold > p.numShares)
    bad(`threshold ${p.threshold} outside [2, numShares]`);
  if (2 * p.threshold <= p.numShares)
    bad(
      `threshold ${p.threshold} is at most half of numShares ${p.numShares}: a coordinator could rebuild both secrets`,
    );
  if (!isPowerOfTwo(p.modulus) || p.modulus > 2 ** 32) bad(`modulus ${p.modulus} is not a power of two ≤ 2^32`);
  if (
    !Number.isInteger(p.quantizationRange) ||
    p.quantizationRange < 2 ||
    numClients * (p.quantizationRange - 1) >= p.modulus
  )
    bad(`quantizationRange ${p.quantizationRange} lets the sum wrap around`);
  if (!(p.clippingRange >= 1) || !Number.isFinite(p.clippingRange)) bad(`clippingRange ${p.clippingRange} < 1`);
  if (!(p.maxWeight > 0) || !Number.isFinite(p.maxWeight)) bad(`maxWeight ${p.maxWeight} ≤ 0`);
}

/** Python's round(): halves go to the even neighbour (2.5 → 2), so fractions resolve exactly as in Flower. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
