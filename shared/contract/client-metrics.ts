/**
 * Names of the scalars a client sends with its update (`UpdateHeader.metrics`, a protobuf `map<string, double>`). The
 * coordinator keeps their example-weighted means per round (`RoundSummary.client_metrics`), prints them, exposes some
 * on /metrics, and `fedavg-effective` weights clients by one of them. Aggregates only: none reveals a sample.
 * A metric a client did not compute is absent, never 0 or NaN.
 */
export const CLIENT_METRICS = {
  /** Mean sample-weighted cross-entropy of the last local epoch (nats per sample); 0 when every weight is 0. */
  trainLoss: 'train_loss',
  /** Wall time of local training (milliseconds). */
  trainMs: 'train_ms',
  /** Local epochs trained (count; echoes the fit config). */
  epochs: 'epochs',
  /** Effective sample count Σᵢ wᵢ after per-sample weighting (samples); `fedavg-effective` weights clients by it. */
  effectiveExamples: 'effective_examples',
  /** Share of the local samples whose weight is below 0.5 (ratio in [0, 1]). */
  downweightedRatio: 'downweighted_ratio',
  /** Local samples confident learning flags as likely label issues (count). */
  labelIssuesFlagged: 'label_issues_flagged',
  /** Local labels replaced by the global model's class (`correctLabelsAbove`) (count). */
  labelsCorrected: 'labels_corrected',
  /** Confident learning's estimate of the share of wrong labels on the site (ratio in [0, 1]). */
  noiseRateEstimate: 'noise_rate_estimate',
  /** Share of the local samples the curriculum admits this round, as broadcast (ratio in (0, 1]). */
  curriculumStage: 'curriculum_stage',
  /** Samples whose predicted probabilities were refused (a NaN/±∞, a value outside [0, 1], a zero sum): kept at weight 1 (count). */
  probabilitiesRefused: 'probabilities_refused',
  /** Wall time of the weighting step: scoring, planning and the site report (milliseconds). */
  weightingMs: 'weighting_ms',
  /**
   * Wait of a client slowed on purpose (`fedsift client --slowdown F`, a simulation aid) after its weighting and
   * training, (F − 1) times their wall time, as measured (milliseconds); absent on a client at full speed.
   */
  slowdownMs: 'slowdown_ms',
} as const;

/** Names of the scalars in a client's ReportEvaluation (`EvaluationReport.metrics`) of a round's global model. */
export const EVALUATION_METRICS = {
  /** Share of the site's samples the global model classifies correctly (ratio in [0, 1]). */
  accuracy: 'accuracy',
} as const;

/** One of the fixed client metric names (the indexed families are {@link WEIGHT_HIST_METRICS} and {@link CLASS_LOSS_METRICS}). */
export type ClientMetricName = (typeof CLIENT_METRICS)[keyof typeof CLIENT_METRICS];

/**
 * Bins of the sample-weight histogram a client reports: bin b holds the weights in [b/B, (b+1)/B), the last bin
 * includes 1 — [0, 0.2), [0.2, 0.4), …, [0.8, 1]. @default 5
 */
export const WEIGHT_HISTOGRAM_BINS = 5;

/** Lower edge b/B of weight-histogram bin `bin`: 0, 0.2, …, 0.8; `bin` = B gives 1, the upper edge of the last bin. */
export function weightBinLowerEdge(bin: number): number {
  return bin / WEIGHT_HISTOGRAM_BINS;
}

/** A family of client metrics with an index in their name, `<prefix><index>` (index a non-negative integer). */
export interface IndexedMetricFamily {
  readonly prefix: string;
  /** The metric name of `index`. */
  name(index: number): string;
  /** The index in `metricName`, or undefined when the name is not of this family. */
  indexOf(metricName: string): number | undefined;
}

function indexedFamily(prefix: string): IndexedMetricFamily {
  const pattern = new RegExp(`^${prefix}(\\d+)$`);
  return {
    prefix,
    name: (index) => `${prefix}${index}`,
    indexOf: (metricName) => {
      const digits = pattern.exec(metricName)?.[1];
      return digits === undefined ? undefined : Number(digits);
    },
  };
}

/**
 * `weight_hist_<b>`, b in [0, {@link WEIGHT_HISTOGRAM_BINS}): share of the local samples whose weight falls in bin b
 * (ratio in [0, 1]; the bins sum to 1).
 */
export const WEIGHT_HIST_METRICS: IndexedMetricFamily = indexedFamily('weight_hist_');

/**
 * `class_loss_<j>`: mean loss −ln p̂(given label) under the global model of the local samples labelled j (nats);
 * absent for a class the site lacks.
 */
export const CLASS_LOSS_METRICS: IndexedMetricFamily = indexedFamily('class_loss_');

/**
 * `staleness_<τ>`: in an asynchronous run's version summary, the accepted updates of staleness τ (versions between
 * the one an update trained from and the one it was folded into; count). With {@link STALENESS_MEAN}, the version's
 * staleness histogram.
 */
export const STALENESS_METRICS: IndexedMetricFamily = indexedFamily('staleness_');

/** `staleness_mean`: the mean staleness of a version's accepted updates (versions). */
export const STALENESS_MEAN = 'staleness_mean';

/**
 * Whether `name` is one the coordinator writes into a version summary itself (STALENESS_METRICS, STALENESS_MEAN): a
 * client's update may not carry it, or it could pass for the engine's counts.
 */
export function isReservedUpdateMetric(name: string): boolean {
  return name === STALENESS_MEAN || STALENESS_METRICS.indexOf(name) !== undefined;
}
