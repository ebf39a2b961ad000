import type { RoundSummary } from '../../../shared/proto/index.js';
import { gapClosed, meanStd, type GapClosed } from './arm-stats.js';

/** The run state of a completed arm; any other state (or DID_NOT_RUN) is a failed arm. */
export const COMPLETED = 'RUN_STATE_COMPLETED';
/** The state of an arm whose last attempt threw before its run ended (no final run status). */
export const DID_NOT_RUN = 'DID_NOT_RUN';

/** Label-issue detection summed over a group of sites, from their local summaries. */
export interface GroupDetection {
  /** Per-site values, in client order. */
  precision: number[];
  recall: number[];
  auroc: number[];
  /** Share of the group's samples flagged as label issues. */
  flaggedShare: number;
}

/** One arm (model, seed, noise, variant) of the label-noise experiment, as printed in the table and saved. */
export interface NoiseArm {
  model: string;
  seed: number;
  /** Noise spec, or "none" for the clean-label ceiling arm. */
  noise: string;
  variant: string;
  /** Final run state of the last attempt: RUN_STATE_COMPLETED, another run state, or DID_NOT_RUN. */
  state: string;
  /** Why the last attempt failed; "" when it completed. */
  error: string;
  /** Attempts made (1, or 2 after a retry). */
  attempts: number;
  /** Reason of each failed attempt, in order (a completed arm may carry the first attempt's). */
  failures: string[];
  /** Test accuracies (ratios); NaN when the arm failed. */
  finalAccuracy: number;
  bestAccuracy: number;
  /** Mean test accuracy of the last 5 rounds: the acceptance measure (plain training peaks, then memorises). */
  meanLast5: number;
  /** Share of the noisy→clean gap this arm closes, by meanLast5 against the same seed's arms; NaN when unavailable. */
  gapClosed: number;
  /** For a variant arm whose gapClosed is NaN: why (no clean arm, a failed baseline, no gap). */
  gapUnavailable?: string;
  /** Detection on the noisy sites (at the last weighted round); undefined without weighting. */
  noisySites?: GroupDetection;
  /** Share of the clean sites' samples flagged; undefined without weighting. */
  cleanFlaggedShare?: number;
  /** Σ weighting time / Σ local training time over the weighted rounds (example-weighted client means). */
  overhead: number;
  /** Wall time of the last attempt (s). */
  wallSeconds: number;
  rounds: RoundSummary[];
}

/** Which arms an experiment planned: every (model, seed) runs the ceiling (if on), then per noise plain and each variant. */
export interface NoisePlan {
  models: readonly string[];
  seeds: readonly number[];
  noise: readonly string[];
  /** Weighting variants, "plain" excluded. */
  variants: readonly string[];
  /** Whether the clean-label ceiling arm runs. */
  ceiling: boolean;
}

/** Why the gap closed is unavailable when the ceiling arm is skipped. */
export const NO_CEILING = 'no clean arm (--no-ceiling)';

const failedWhy = (label: string, a: NoiseArm | undefined) => `${label} failed: ${a ? a.error : 'not run'}`;

/** What names an arm among an experiment's arms. */
export type ArmKey = Pick<NoiseArm, 'model' | 'seed' | 'noise' | 'variant'>;

/** The arm of `key` among `arms`; undefined when it was not run. */
export function findArm(arms: readonly NoiseArm[], key: ArmKey): NoiseArm | undefined {
  return arms.find(
    (a) => a.model === key.model && a.seed === key.seed && a.noise === key.noise && a.variant === key.variant,
  );
}

/** The baselines of a variant arm on its seed: the plain-FedAvg arm on the same noise and the clean-label arm. */
function baselinesOf(arms: readonly NoiseArm[], key: ArmKey): { plain?: NoiseArm; clean?: NoiseArm } {
  return {
    plain: findArm(arms, { ...key, variant: 'plain' }),
    clean: findArm(arms, { ...key, noise: 'none', variant: 'plain' }),
  };
}

/**
 * A variant arm's share of the noisy→clean gap on its own seed (by mean of the last 5 rounds), against that seed's
 * plain-FedAvg arm on the same noise and its clean-label arm, both looked up in `arms`; or why it is unavailable: the
 * arm not run, the ceiling skipped, this arm or either baseline failed (named, with its reason), or no gap (gapClosed).
 * @param variant the arm of `key`; @default findArm(arms, key) (pass it when it is not among `arms` yet)
 */
export function pairGap(
  arms: readonly NoiseArm[],
  key: ArmKey,
  ceiling: boolean,
  variant = findArm(arms, key),
): GapClosed {
  if (!variant) return { ok: false, reason: failedWhy('this arm', variant) };
  if (!ceiling) return { ok: false, reason: NO_CEILING };
  if (variant.state !== COMPLETED) return { ok: false, reason: failedWhy('this arm', variant) };
  const { plain, clean } = baselinesOf(arms, key);
  if (plain?.state !== COMPLETED) return { ok: false, reason: failedWhy('noisy baseline (plain)', plain) };
  if (clean?.state !== COMPLETED) return { ok: false, reason: failedWhy('clean arm', clean) };
  return gapClosed(variant.meanLast5, plain.meanLast5, clean.meanLast5);
}

/** One row of the summary: an arm (model, noise, variant) over the seeds. */
export interface NoiseSummaryRow {
  model: string;
  noise: string;
  variant: string;
  /** Seeds whose arm failed, with the reason; their accuracies count in no mean. */
  failed: { seed: number; reason: string }[];
  /** Over the completed seeds (n of them): final and mean-of-last-5 test accuracy (ratios). */
  finalAccuracy: { mean: number; std: number; n: number };
  meanLast5: { mean: number; std: number; n: number };
  /** Variant arms only: the gap closed on each seed (pairGap). */
  gapPerSeed?: { seed: number; gap: GapClosed }[];
  /**
   * Variant arms only: the gap closed by the means over the seeds on which this arm, its noisy baseline and the clean
   * arm all completed (paired: the same seeds in all three means), and those seeds.
   */
  gapOfMeans?: { seeds: number[]; gap: GapClosed };
}

/**
 * Summarises the arms per model and arm over the seeds: mean ± sample sd of the accuracies of the completed seeds,
 * the failed seeds with their reasons, and for each variant the gap closed per seed and on the paired means.
 * @param arms every arm run (a missing one counts as failed, "not run")
 */
export function summarizeNoise(arms: readonly NoiseArm[], plan: NoisePlan): NoiseSummaryRow[] {
  const rows: NoiseSummaryRow[] = [];
  for (const model of plan.models) {
    const keys = [
      ...(plan.ceiling ? [['none', 'plain'] as const] : []),
      ...plan.noise.flatMap((noise) => ['plain', ...plan.variants].map((variant) => [noise, variant] as const)),
    ];
    for (const [noise, variant] of keys) {
      const mine = plan.seeds.map((seed) => ({ seed, arm: findArm(arms, { model, seed, noise, variant }) }));
      const done = mine.filter(({ arm }) => arm?.state === COMPLETED);
      const row: NoiseSummaryRow = {
        model,
        noise,
        variant,
        failed: mine
          .filter(({ arm }) => arm?.state !== COMPLETED)
          .map(({ seed, arm }) => ({ seed, reason: arm ? arm.error : 'not run' })),
        finalAccuracy: meanStd(done.map(({ arm }) => arm!.finalAccuracy)),
        meanLast5: meanStd(done.map(({ arm }) => arm!.meanLast5)),
      };
      if (variant !== 'plain') {
        const triples = mine.map(({ seed, arm }) => ({
          seed,
          arm,
          ...baselinesOf(arms, { model, seed, noise, variant }),
        }));
        row.gapPerSeed = mine.map(({ seed, arm }) => ({
          seed,
          gap: pairGap(arms, { model, seed, noise, variant }, plan.ceiling, arm),
        }));
        const paired = triples.filter((t) => [t.arm, t.plain, t.clean].every((a) => a?.state === COMPLETED));
        const mean = (pick: (t: (typeof paired)[number]) => NoiseArm | undefined) =>
          meanStd(paired.map((t) => pick(t)!.meanLast5)).mean;
        row.gapOfMeans = {
          seeds: paired.map((t) => t.seed),
          gap: !plan.ceiling
            ? { ok: false, reason: NO_CEILING }
            : paired.length
              ? gapClosed(
                  mean((t) => t.arm),
                  mean((t) => t.plain),
                  mean((t) => t.clean),
                )
              : { ok: false, reason: 'no seed on which this arm, its noisy baseline and the clean arm all completed' },
        };
      }
      rows.push(row);
    }
  }
  return rows;
}
