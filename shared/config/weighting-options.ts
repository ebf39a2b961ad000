import { z } from 'zod';

/**
 * Per-sample weighting on the clients (all off by default). Components multiply (or take the minimum of) their
 * weights; label smoothing and correction change the training targets instead. Weights and raw data stay on the site.
 */
export const weightingSchema = z
  .object({
    /**
     * First round the weighting applies; earlier rounds train plainly, so the global model that judges the labels has
     * learnt something first (a random model would flag most samples). @default 3
     */
    startRound: z.number().int().min(1).default(3),
    /** Down-weight likely-wrong labels: confident learning with the global model, or small-loss selection. */
    noisyLabels: z.enum(['none', 'confident-learning', 'small-loss']).default('none'),
    /** Small-loss schedule: drop up to `noiseRate` of the samples, ramped in over `warmupRounds` (Co-teaching). */
    smallLoss: z
      .object({ noiseRate: z.number().min(0).lt(1).default(0.2), warmupRounds: z.number().int().min(1).default(5) })
      .strict()
      .default({ noiseRate: 0.2, warmupRounds: 5 }),
    /** Self-paced curriculum: regulariser and the pacing of the admitted share over the run's rounds. */
    curriculum: z
      .object({
        regularizer: z.enum(['none', 'hard', 'linear', 'mixture']).default('none'),
        pacing: z.enum(['linear', 'root', 'geometric']).default('linear'),
        /** Share of samples admitted in round 1. */
        startFraction: z.number().gt(0).max(1).default(0.5),
        /** Share of the rounds after which every sample is admitted. */
        fullAt: z.number().gt(0).max(1).default(0.8),
      })
      .strict()
      .default({ regularizer: 'none', pacing: 'linear', startFraction: 0.5, fullAt: 0.8 }),
    /** Label smoothing ε of the training targets; 0 = off. */
    labelSmoothing: z.number().min(0).max(0.5).default(0),
    /** Soft targets bootstrapped from the global model: β·onehot(label) + (1 − β)·p̂ (soft) or ·onehot(argmax p̂) (hard); null = off. */
    bootstrap: z
      .object({ beta: z.number().min(0).max(1), mode: z.enum(['soft', 'hard']).default('soft') })
      .strict()
      .nullable()
      .default(null),
    /** Replace a label when the global model gives another class at least this probability; null = off. */
    correctLabelsAbove: z.number().gt(0.5).max(1).nullable().default(null),
    /** How components combine. */
    combine: z.enum(['product', 'min']).default('product'),
  })
  .strict();

export type WeightingConfig = z.output<typeof weightingSchema>;

/** The all-off weighting (plain FedAvg training). */
export const NO_WEIGHTING: WeightingConfig = Object.freeze(weightingSchema.parse({}));

/** True when any component changes weights or targets. */
export function weightingEnabled(w: WeightingConfig): boolean {
  return (
    w.noisyLabels !== 'none' ||
    w.curriculum.regularizer !== 'none' ||
    w.labelSmoothing > 0 ||
    w.correctLabelsAbove !== null ||
    w.bootstrap !== null
  );
}
