import { z } from 'zod';

/**
 * A run's differential privacy, with Flower's parameter names where Flower has them
 * (DifferentialPrivacyServerSideFixedClipping / …AdaptiveClipping; LocalDpMod): central DP-FedAvg (the coordinator
 * clips and noises) or local DP (each client clips and noises its own update). Exactly one of `clippingNorm` (fixed
 * clipping) and `adaptiveClipping` (central only) is given. Units: norms are L2 distances in the model's weight units.
 * @see McMahan et al. 2018, "Learning Differentially Private Recurrent Language Models" (ICLR), Alg. 1 (DP-FedAvg);
 *      Andrew et al. 2021, "Differentially Private Learning with Adaptive Clipping" (NeurIPS), Alg. 1.
 */
export const differentialPrivacySchema = z
  .object({
    /**
     * `central`: the coordinator clips every update and adds the noise to their mean (DP-FedAvg); `local`: each client
     * clips its own update's delta to clippingNorm and adds N(0, σ²C²) before sending it, so the coordinator never sees
     * an unnoised update (FitConfig carries σ and C). @default "central"
     */
    mode: z.enum(['central', 'local']).default('central'),
    /**
     * Noise multiplier σ (Flower: noise_multiplier): the Gaussian noise added to the sum of the clipped updates has
     * standard deviation σ·C per coordinate (C the clipping norm). 0 = clipping without noise (ε = ∞).
     */
    noiseMultiplier: z.number().min(0).max(1000),
    /** Fixed clipping norm C > 0 (Flower: clipping_norm): every update's ‖x_k − g‖₂ is scaled down to at most C. */
    clippingNorm: z.number().positive().optional(),
    /**
     * Adaptive clipping (Andrew et al. 2021): C follows the `targetClippedQuantile` of the update norms, estimated
     * from a noised count of unclipped updates, C ← C·exp(−clipNormLr·(b̃ − targetClippedQuantile)).
     */
    adaptiveClipping: z
      .object({
        /** C of round 1 (Flower: initial_clipping_norm). @default 0.1 */
        initialClippingNorm: z.number().positive().default(0.1),
        /** Share of updates meant to be left unclipped, γ ∈ [0, 1] (Flower: target_clipped_quantile). @default 0.5 */
        targetClippedQuantile: z.number().min(0).max(1).default(0.5),
        /** Geometric step η of the clipping norm (Flower: clip_norm_lr). @default 0.2 */
        clipNormLr: z.number().positive().max(10).default(0.2),
        /**
         * Standard deviation σ_b of the noise on the count of unclipped updates (Flower: clipped_count_stddev); it
         * must stay above noiseMultiplier / 2. @default clientsPerRound / 20
         */
        clippedCountStddev: z.number().positive().optional(),
      })
      .strict()
      .optional(),
    /** δ of the (ε, δ) guarantee reported after every round, in (0, 1). @default 1e-5 */
    delta: z.number().gt(0).lt(1).default(1e-5),
    /** The run ends, cleanly, before a round that would take ε(δ) past this; null = no budget. @default null */
    targetEpsilon: z.number().positive().nullable().default(null),
  })
  .strict();

/** A run config's `differentialPrivacy` block as validated (σ_b not yet defaulted). */
export type DifferentialPrivacyOptions = z.output<typeof differentialPrivacySchema>;

/** Adaptive clipping with every default filled in (σ_b included). */
export interface AdaptiveClipping {
  readonly initialClippingNorm: number;
  readonly targetClippedQuantile: number;
  readonly clipNormLr: number;
  readonly clippedCountStddev: number;
}

/** Central DP settings of a run, derived defaults filled in: exactly one of clippingNorm / adaptiveClipping is set. */
export interface DifferentialPrivacyConfig {
  readonly mode: 'central' | 'local';
  readonly noiseMultiplier: number;
  readonly clippingNorm?: number;
  readonly adaptiveClipping?: AdaptiveClipping;
  readonly delta: number;
  readonly targetEpsilon: number | null;
}

/**
 * Why central DP cannot wrap a strategy (DP-FedAvg averages single clipped updates with equal weights and noise): a
 * robust one (StrategyDefinition.robust), or one that weighs clients by effective sample counts
 * (StrategyDefinition.effectiveExamples).
 */
const ROBUST = 'a robust strategy needs single, unclipped updates; central DP clips them and adds noise to their mean';
const EFFECTIVE_EXAMPLES =
  "central DP weighs every client equally (a client's weight would reveal its data); a capped fixed-weight " +
  'estimator for effective sample counts is future work: use fedavg';

/** A problem of the run config that involves `differentialPrivacy`, with the path of the field it names. */
export interface PrivacyIssue {
  path: (string | number)[];
  message: string;
}

/**
 * The cross-field rules of `differentialPrivacy`: exactly one of clippingNorm / adaptiveClipping; a FedAvg-family
 * strategy other than fedavg-effective; with adaptive clipping, σ < 2σ_b (σ_b defaulting to clientsPerRound / 20),
 * else the update noise (σ⁻² − (2σ_b)⁻²)^−½ of Andrew et al. 2021 (Thm. 1) is not defined.
 * @returns the issues, each naming the fields involved (none when `dp` is null).
 */
export function privacyRunIssues(run: {
  differentialPrivacy: DifferentialPrivacyOptions | null;
  /**
   * `robust`, `effectiveExamples`: the strategy's StrategyDefinition flags (the registry's, passed in: strategies
   * depend on privacy).
   */
  strategy: { name: string; robust: boolean; effectiveExamples: boolean };
  clientsPerRound: number;
  maxUpdateNorm?: number | null;
}): PrivacyIssue[] {
  const dp = run.differentialPrivacy;
  if (!dp) return [];
  const issues: PrivacyIssue[] = [];
  const at = (...path: string[]) => ['differentialPrivacy', ...path];
  if ((dp.clippingNorm === undefined) === (dp.adaptiveClipping === undefined)) {
    issues.push({
      path: at('clippingNorm'),
      message:
        'give exactly one of differentialPrivacy.clippingNorm (fixed clipping) and differentialPrivacy.adaptiveClipping',
    });
  }
  if (dp.mode === 'local' && dp.adaptiveClipping) {
    issues.push({
      path: at('adaptiveClipping'),
      message:
        'differentialPrivacy.mode "local" takes a fixed differentialPrivacy.clippingNorm: adaptive clipping needs ' +
        "the coordinator to count unclipped updates, which local DP's clients do not report",
    });
  }
  if (dp.mode === 'local' && run.maxUpdateNorm != null) {
    // A local-DP update carries noise of norm ≈ σ·C·√n (n parameters), far above any useful bound.
    issues.push({
      path: ['maxUpdateNorm'],
      message:
        'maxUpdateNorm cannot be combined with differentialPrivacy.mode "local": each update carries Gaussian ' +
        'noise of L2 norm about noiseMultiplier · clippingNorm · √(parameters), so the bound would reject every update',
    });
  }
  const { robust, effectiveExamples } = run.strategy;
  const refused =
    dp.mode !== 'central' ? undefined : robust ? ROBUST : effectiveExamples ? EFFECTIVE_EXAMPLES : undefined;
  if (refused) {
    issues.push({
      path: ['strategy', 'name'],
      message: `strategy "${run.strategy.name}" cannot be combined with differentialPrivacy: ${refused}`,
    });
  }
  if (dp.adaptiveClipping && dp.mode === 'central') {
    const sigmaB = clippedCountStddevOf(dp.adaptiveClipping, run.clientsPerRound);
    if (dp.noiseMultiplier >= 2 * sigmaB) {
      issues.push({
        path: at('adaptiveClipping', 'clippedCountStddev'),
        message:
          `differentialPrivacy.noiseMultiplier ${dp.noiseMultiplier} must be < 2 × ` +
          `differentialPrivacy.adaptiveClipping.clippedCountStddev (${sigmaB}): raise clippedCountStddev ` +
          '(or clientsPerRound, whose twentieth is its default) or lower noiseMultiplier',
      });
    }
  }
  return issues;
}

/** σ_b of adaptive clipping: as given, else clientsPerRound / 20 (Flower's default). */
function clippedCountStddevOf(a: { clippedCountStddev?: number | undefined }, clientsPerRound: number): number {
  return a.clippedCountStddev ?? clientsPerRound / 20;
}

/** The run's DP settings with derived defaults filled in (σ_b = clientsPerRound / 20 when not given); null stays null. */
export function resolvePrivacy(
  dp: DifferentialPrivacyOptions | null,
  clientsPerRound: number,
): DifferentialPrivacyConfig | null {
  if (!dp) return null;
  const { adaptiveClipping, clippingNorm, ...rest } = dp;
  return {
    ...rest,
    ...(clippingNorm !== undefined && { clippingNorm }),
    ...(adaptiveClipping && {
      adaptiveClipping: {
        ...adaptiveClipping,
        clippedCountStddev: clippedCountStddevOf(adaptiveClipping, clientsPerRound),
      },
    }),
  };
}

/**
 * The `differentialPrivacy` block that the `--dp <σ>` flag of `fedsift demo` and `fedsift simulate` stands for:
 * central DP with adaptive clipping (Flower's defaults) and δ = 1e-5. σ_b is max(clientsPerRound / 20, σ), so that
 * any σ the flag takes satisfies σ < 2σ_b.
 * @param noiseMultiplier σ ≥ 0. @param clientsPerRound the run's clients per round.
 */
export function dpFlagConfig(noiseMultiplier: number, clientsPerRound: number): DifferentialPrivacyOptions {
  return {
    mode: 'central',
    noiseMultiplier,
    adaptiveClipping: {
      initialClippingNorm: 0.1,
      targetClippedQuantile: 0.5,
      clipNormLr: 0.2,
      clippedCountStddev: Math.max(clientsPerRound / 20, noiseMultiplier),
    },
    delta: 1e-5,
    targetEpsilon: null,
  };
}
