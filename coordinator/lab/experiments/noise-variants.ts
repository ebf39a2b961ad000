/** A named arm of the label-noise experiment: the aggregation strategy and the run config's `weighting` block. */
export interface NoiseVariant {
  description: string;
  strategy: string;
  /** The run config's weighting; undefined = plain training. */
  weighting?: Record<string, unknown>;
}

const CONFIDENT_LEARNING = { noisyLabels: 'confident-learning', startRound: 3 };

/**
 * The weighting variants the label-noise experiment compares (`--variants`). Weighted variants aggregate with
 * fedavg-effective, so a site counts by its effective sample count Σw, not its raw count.
 */
export const NOISE_VARIANTS: Readonly<Record<string, NoiseVariant>> = {
  plain: { description: 'FedAvg, no weighting', strategy: 'fedavg' },
  'small-loss': {
    description: 'Co-teaching small-loss selection, forget rate 0.4 ramped over 5 rounds',
    strategy: 'fedavg-effective',
    weighting: { noisyLabels: 'small-loss', startRound: 3, smallLoss: { noiseRate: 0.4, warmupRounds: 5 } },
  },
  'cl-drop': {
    description: 'confident learning: flagged samples get weight 0',
    strategy: 'fedavg-effective',
    weighting: CONFIDENT_LEARNING,
  },
  'cl-correct': {
    description:
      'confident learning + correction of labels the global model contradicts with p ≥ 0.9 + label smoothing 0.1',
    strategy: 'fedavg-effective',
    weighting: { ...CONFIDENT_LEARNING, correctLabelsAbove: 0.9, labelSmoothing: 0.1 },
  },
  'cl-correct-spl': {
    description:
      'cl-correct + hard bootstrapping β=0.8 + self-paced mixture curriculum (admits 70% → 100% by 60% of the rounds)',
    strategy: 'fedavg-effective',
    weighting: {
      ...CONFIDENT_LEARNING,
      correctLabelsAbove: 0.9,
      labelSmoothing: 0.1,
      bootstrap: { beta: 0.8, mode: 'hard' },
      curriculum: { regularizer: 'mixture', pacing: 'root', startFraction: 0.7, fullAt: 0.6 },
    },
  },
};

/** The variant `fedsift demo --label-noise` runs next to plain FedAvg: the best one of the README's experiment. */
export const DEMO_VARIANT = 'cl-correct';
