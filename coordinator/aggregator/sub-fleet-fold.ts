import { CLIENT_METRICS } from '../../shared/contract/index.js';
import type { ModelWeights } from '../../shared/codec/index.js';
import type { SubFleetFold } from '../../shared/proto/index.js';
import { RunningWeightedMean, weightedMetricMeans } from '../strategies/index.js';
import type {
  ClientFailure,
  EvaluateAggregate,
  EvaluateResult,
  FitAccumulator,
  FitAggregate,
  FitResult,
} from '../strategies/index.js';

/** What an aggregator forwards for its sub-fleet's round (UpdateHeader fields, SubFleetUpdate.clients). */
export interface SubFleetAggregate extends FitAggregate {
  /** Σ wₖ of the folded updates (the weight the coordinator folds the aggregate with). */
  weight: number;
  /** Client updates behind the aggregate. */
  clients: number;
}

/**
 * An aggregator's fold of its clients' updates, so that the coordinator's FedAvg-family fold of the aggregators'
 * updates equals its fold of every client update: x̄ = Σₖ wₖ·xₖ / Σₖ wₖ with wₖ = nₖ, or for fedavg-effective
 * wₖ = min(sₖ, nₖ), sₖ the client's effective_examples metric; forwarded with Σ nₖ examples, the nₖ-weighted means of
 * the clients' metrics, and effective_examples = Σ wₖ. The coordinator then weighs the aggregate by Σ wₖ and gets
 * Σ_a (Σ_{k∈a} wₖ)·x̄_a / Σ wₖ = Σₖ wₖ·xₖ / Σₖ wₖ: the flat mean (up to float32 rounding). No server step (momentum,
 * FedOpt) is applied here: the coordinator applies it once to the whole mean. Streaming: one model-sized buffer.
 * @see McMahan et al. 2017, Alg. 1 (w ← Σ_k (n_k / n)·w_k), grouped by aggregator.
 */
export class SubFleetAccumulator implements FitAccumulator {
  readonly keepsUpdates = false;
  private readonly mean: RunningWeightedMean;
  private readonly metricSums = new Map<string, { sum: number; examples: number }>();
  private examples = 0;
  private clients = 0;

  /**
   * @param global the round's global model (its specs; its length is the update length).
   * @param fold how the run weighs updates (FitConfig.sub_fleet).
   */
  constructor(
    private readonly global: ModelWeights,
    private readonly fold: SubFleetFold,
  ) {
    this.mean = new RunningWeightedMean(global.values.length);
  }

  get count(): number {
    return this.mean.count;
  }

  /** @throws {AggregationError} on a length mismatch or an invalid weight (nothing folded). */
  add(update: FitResult): void {
    const n = update.numExamples;
    this.mean.add(update.weights.values, this.weightOf(update), `client ${update.clientId}`);
    this.examples += n;
    this.clients += update.clientUpdates ?? 1;
    for (const [name, v] of Object.entries(update.metrics)) {
      if (!Number.isFinite(v) || name === CLIENT_METRICS.effectiveExamples) continue;
      const m = this.metricSums.get(name) ?? { sum: 0, examples: 0 };
      m.sum += v * n;
      m.examples += n;
      this.metricSums.set(name, m);
    }
  }

  /** @throws {AggregationError} when nothing, or only zero weight, was folded. */
  finish(_failures: readonly ClientFailure[]): SubFleetAggregate {
    const metrics: Record<string, number> = {};
    for (const [name, m] of this.metricSums) if (m.examples > 0) metrics[name] = m.sum / m.examples;
    if (this.fold.effectiveExamples) metrics[CLIENT_METRICS.effectiveExamples] = this.mean.weight;
    return {
      weights: { specs: this.global.specs, values: this.mean.mean() },
      numExamples: this.examples,
      metrics,
      weight: this.mean.weight,
      clients: this.clients,
    };
  }

  dispose(): void {}

  /** wₖ: nₖ, or min(sₖ, nₖ) for fedavg-effective (nₖ when sₖ is missing or invalid, as FedAvgEffective does). */
  private weightOf(u: FitResult): number {
    if (!this.fold.effectiveExamples) return u.numExamples;
    const s = u.metrics[CLIENT_METRICS.effectiveExamples];
    return s !== undefined && Number.isFinite(s) && s >= 0 ? Math.min(s, u.numExamples) : u.numExamples;
  }
}

/**
 * The sub-fleet's evaluation of the global model as one report: Σ nₖ examples, the nₖ-weighted mean loss and metrics
 * (so the coordinator's example-weighted mean over aggregators equals its mean over every client). A non-finite loss
 * leaves its report out.
 * @returns null when no client reported (or all with 0 examples).
 */
export function subFleetEvaluation(results: readonly EvaluateResult[]): EvaluateAggregate | null {
  const finite = results.filter((r) => Number.isFinite(r.loss));
  const n = finite.reduce((s, r) => s + r.numExamples, 0);
  if (n === 0) return null;
  const loss = finite.reduce((s, r) => s + r.loss * r.numExamples, 0) / n;
  return { loss, metrics: weightedMetricMeans(finite), numExamples: n };
}
