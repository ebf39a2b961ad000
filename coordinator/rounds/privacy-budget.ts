import type { RunPrivacy } from '../privacy/index.js';
import type { RoundSummary } from '../../shared/proto/index.js';
import type { FitInstruction } from '../strategies/index.js';

/**
 * The sampling rate q a round is accounted with: the clients its attempts selected ÷ the clients available for
 * selection at its first attempt, at most 1. fedsift selects a fixed number of clients; the accountant treats that as
 * Poisson sampling at rate q, the usual approximation (TFF, Opacus).
 * @param selected clients selected over the round's attempts (≥ 1 once a round aggregated).
 * @param available clients available for selection (live and eligible) at the first attempt.
 */
export function roundSamplingRate(selected: number, available: number): number {
  return Math.min(1, selected / Math.max(1, available, selected));
}

/**
 * Why the run ends at round `round` because its ε(δ) would pass targetEpsilon once the round is accounted with the
 * clients it would have selected, or undefined while it stays within (or the run sets no target, or no client is
 * selected). Checked before every attempt that selects new clients, with the rate the round would then be accounted
 * with (roundSamplingRate of the same counts accountRound uses), so a retry cannot carry the run past the target.
 * @param selected clients the round's attempts would have selected, this one included.
 * @param available clients available for selection at the round's first attempt (the list attempt 1 selects from).
 */
export function privacyBudgetStop(
  privacy: RunPrivacy,
  round: number,
  selected: number,
  available: number,
): string | undefined {
  const target = privacy.config.targetEpsilon;
  if (target === null || selected === 0 || available === 0) return undefined;
  const next = privacy.epsilonAfterRound(roundSamplingRate(selected, available));
  if (next <= target) return undefined;
  const f = (e: number) => (Number.isFinite(e) ? e.toPrecision(4) : String(e));
  return (
    `privacy budget reached: ε = ${f(privacy.epsilon())} after round ${round - 1} (δ = ${privacy.config.delta}); ` +
    `round ${round} would reach ε = ${f(next)}, past targetEpsilon ${target}`
  );
}

/**
 * Accounts an aggregated round with the run's central DP (local DP accounted its attempts already) and says what its summary reports: ε(δ) after it and the
 * clipping norm its updates were clipped to. @returns {} without DP.
 * @param clippingNorm the C the round aggregated with (read before aggregation: adaptive clipping moves it after).
 */
export function accountRound(
  privacy: RunPrivacy | null | undefined,
  clippingNorm: number,
  samplingRate: number,
): Pick<RoundSummary, 'dpEpsilon' | 'dpClippingNorm'> {
  if (!privacy) return {};
  // Local DP accounts each attempt as it opens (RunController.openAttempt): the round adds nothing more.
  const dpEpsilon = privacy.config.mode === 'local' ? privacy.epsilon() : privacy.account(samplingRate);
  return { dpEpsilon, dpClippingNorm: clippingNorm };
}

/**
 * Charges one attempt's selection to the run's privacy budget before it opens. Local DP: every attempt that asks
 * sites makes them release fresh noised updates, so each is one accountant step (worst case: every site in every
 * attempt). Central DP: only the aggregated noised mean is released, at the round's q, accounted once it aggregated
 * (accountRound); an attempt that selects new clients is only checked against the target.
 * @param progress the round's clients selected by its earlier attempts and available at its first.
 * @returns why the run ends instead (privacyBudgetStop; nothing charged), or undefined.
 */
export function chargeAttempt(
  privacy: RunPrivacy | null | undefined,
  round: number,
  progress: { readonly selected: ReadonlySet<string>; readonly availableAtFirstAttempt: number },
  instructions: readonly FitInstruction[],
): string | undefined {
  if (!privacy) return undefined;
  const local = privacy.config.mode === 'local';
  const selected = new Set([...progress.selected, ...instructions.map((i) => i.clientId)]).size;
  if (local ? instructions.length === 0 : selected === progress.selected.size) return undefined;
  const stop = privacyBudgetStop(privacy, round, selected, progress.availableAtFirstAttempt);
  if (!stop && local) privacy.account(1);
  return stop;
}
