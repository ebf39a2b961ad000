import { assertSameSpecs, type ModelWeights } from '../../shared/codec/index.js';
import type { RunConfig } from '../../shared/config/index.js';
import { AggregationError, InvalidUpdateError } from '../../shared/errors/index.js';
import { createRng, deriveSeed, sampleWithoutReplacement } from '../../shared/random/index.js';
import type {
  ClientFailure,
  ClientPool,
  EvaluateAggregate,
  EvaluateResult,
  FitAccumulator,
  FitAggregate,
  FitInstruction,
  FitResult,
  Strategy,
  StrategyContext,
} from './strategy.js';
import { RunningWeightedSum, weightedMetricMeans } from './weighted-mean.js';

/**
 * Federated Averaging: each round selects `clientsPerRound` available clients uniformly at random (seeded by the run
 * seed and the round) and replaces the global model with the example-weighted mean of their updates,
 * w_{t+1} = Σ_k (n_k / n) · w_{t+1}^k, n = Σ_k n_k.
 * @see McMahan et al. 2017, "Communication-Efficient Learning of Deep Networks from Decentralized Data", Alg. 1.
 */
export class FedAvg implements Strategy {
  readonly name = 'fedavg';

  constructor(private readonly config: RunConfig) {}

  async initializeParameters(ctx: StrategyContext): Promise<ModelWeights | null> {
    return ctx.initialWeights();
  }

  configureFit(round: number, _global: ModelWeights, clients: ClientPool): FitInstruction[] {
    const rng = createRng(deriveSeed(this.config.seed, 'select', round));
    const chosen = sampleWithoutReplacement(rng, clients.available, this.config.clientsPerRound);
    const config = { localEpochs: this.config.localEpochs, batchSize: this.config.batchSize, learningRate: this.config.learningRate };
    return chosen.map((clientId) => ({ clientId, config }));
  }

  beginAggregation(round: number, global: ModelWeights): FitAccumulator {
    return new FedAvgAccumulator(round, global);
  }

  aggregateEvaluate(_round: number, results: readonly EvaluateResult[], _failures: readonly ClientFailure[]): EvaluateAggregate | null {
    const n = results.reduce((s, r) => s + r.numExamples, 0);
    if (n === 0) return null;
    const loss = results.reduce((s, r) => s + r.loss * r.numExamples, 0) / n;
    return { loss, metrics: weightedMetricMeans(results), numExamples: n };
  }
}

/** Streaming FedAvg fold: a running Σ n_k·w_k in float64; metrics kept per client (a few scalars each). */
class FedAvgAccumulator implements FitAccumulator {
  private readonly sum: RunningWeightedSum;
  private readonly metrics: { numExamples: number; metrics: Readonly<Record<string, number>> }[] = [];

  constructor(private readonly round: number, private readonly global: ModelWeights) {
    this.sum = new RunningWeightedSum(global.values.length);
  }

  get count(): number {
    return this.sum.count;
  }

  add(update: FitResult): void {
    try {
      assertSameSpecs(this.global.specs, update.weights.specs, { clientId: update.clientId, round: this.round });
    } catch (err) {
      throw new AggregationError((err as InvalidUpdateError).message, { clientId: update.clientId, round: this.round });
    }
    this.sum.add(update.weights.values, update.numExamples, `client ${update.clientId}`);
    this.metrics.push({ numExamples: update.numExamples, metrics: update.metrics });
  }

  finish(_failures: readonly ClientFailure[]): FitAggregate {
    return {
      weights: { specs: this.global.specs, values: this.sum.mean() },
      numExamples: this.sum.weight,
      metrics: weightedMetricMeans(this.metrics),
    };
  }
}
