/**
 * The staleness weight of buffered asynchronous aggregation: an update trained from version b that arrives when the
 * current version is v has staleness τ = v − b ≥ 0 and is scaled by s(τ) ∈ (0, 1] before it enters the buffer.
 * Pure: numbers in, numbers out.
 * @see Nguyen et al. 2022, "Federated Learning with Buffered Asynchronous Aggregation" (FedBuff), AISTATS, Alg. 1 and
 *      Sec. 5 (s(τ) = 1/√(1+τ)); Xie et al. 2019, "Asynchronous Federated Optimization" (polynomial (1+τ)^−a).
 */

/** A staleness weight form: `sqrt` 1/√(1+τ), `constant` 1, `polynomial` (1+τ)^−a. */
export type StalenessForm =
  { readonly kind: 'sqrt' } | { readonly kind: 'constant' } | { readonly kind: 'polynomial'; readonly a: number };

/** A staleness weight's text: `sqrt`, `constant` or `polynomial:a` with a decimal a > 0. */
export const STALENESS_PATTERN = /^(sqrt|constant|polynomial:(?!0+(?:\.0+)?$)\d+(?:\.\d+)?)$/;

/** What a text that fails STALENESS_PATTERN is told. */
export const STALENESS_HINT = 'use sqrt, constant or polynomial:a with a > 0 (e.g. polynomial:0.5)';

/**
 * Parses a staleness weight's text (STALENESS_PATTERN): `sqrt`, `constant` or `polynomial:a`.
 * @throws {RangeError} naming the text and STALENESS_HINT when it does not match (a run config has checked it).
 */
export function parseStaleness(text: string): StalenessForm {
  if (!STALENESS_PATTERN.test(text)) throw new RangeError(`"${text}" is not a staleness weight: ${STALENESS_HINT}`);
  if (text === 'sqrt' || text === 'constant') return { kind: text };
  return { kind: 'polynomial', a: Number(text.slice('polynomial:'.length)) };
}

/**
 * s(τ) for `form`: sqrt → 1/√(1+τ), constant → 1, polynomial:a → (1+τ)^−a.
 * @param tau staleness in versions, an integer ≥ 0.
 * @throws {RangeError} when τ is negative or not an integer (an update from a future version is a bug upstream).
 */
export function stalenessWeight(form: StalenessForm, tau: number): number {
  if (!Number.isInteger(tau) || tau < 0) throw new RangeError(`staleness ${tau} is not an integer ≥ 0`);
  switch (form.kind) {
    case 'constant':
      return 1;
    case 'sqrt':
      return 1 / Math.sqrt(1 + tau);
    case 'polynomial':
      return Math.pow(1 + tau, -form.a);
  }
}
