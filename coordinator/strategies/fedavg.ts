import { z } from 'zod';
import type { ModelWeights } from '../../shared/codec/index.js';
import { createRng, deriveSeed, sampleWithoutReplacement } from '../../shared/random/index.js';
import { curriculumStage as curriculumStageOf } from '../../shared/curriculum/index.js';
import type {
  CentralEvaluation,
  ClientFailure,
  ClientPool,
  EvaluateAggregate,
  EvaluateResult,
  FitAccumulator,
  FitAggregate,
  FitConfig,
  FitInstruction,
  FitResult,
  Strategy,
  StrategyContext,
  StrategySettings,
} from './strategy.js';
import { RunningWeightedMean, weightedMetricMeans } from './aggregate.js';
import { defineStrategy } from './define-strategy.js';

/** Option fields of every FedAvg-family strategy (spread into each one's options). */
export const fedAvgOptions = {
  /** Share of the round's clients asked to report an evaluation of the global model, in (0, 1]. @default 1 */
  fractionEvaluate: z.number().gt(0).max(1).default(1),
};

/** The options FedAvg reads; every strategy's options extend them. */
export interface FedAvgOptions {
  readonly fractionEvaluate: number;
}

/**
 * Federated Averaging: each round selects `clientsPerRound` available clients uniformly at random (seeded by the run
 * seed and the round) and replaces the global model with the example-weighted mean of their updates,
 * w_{t+1} = Σ_k (n_k / n) · w_{t+1}^k, n = Σ_k n_k. Streaming: one running mean, O(model) memory.
 * Subclasses change one step: the client weight (`weightOf`), the local config (`fitConfig`) or the server update
 * applied to the mean (`serverUpdate`).
 * @see McMahan et al. 2017, "Communication-Efficient Learning of Deep Networks from Decentralized Data", Alg. 1.
 */
export class FedAvg implements Strategy {
  readonly name: string = 'fedavg';

  /**
   * @param settings the run settings (seed, clients per round, local training).
   * @param baseOptions the options every FedAvg-family strategy has.
   */
  constructor(
    protected readonly settings: StrategySettings,
    private readonly baseOptions: FedAvgOptions,
  ) {}

  async initializeParameters(ctx: StrategyContext): Promise<ModelWeights | null> {
    return ctx.initialWeights();
  }

  configureFit(round: number, _global: ModelWeights, clients: ClientPool): FitInstruction[] {
    const rng = createRng(deriveSeed(this.settings.seed, 'select', round));
    const chosen = sampleWithoutReplacement(rng, clients.available, this.settings.clientsPerRound);
    const config = this.fitConfig(round);
    return chosen.map((clientId) => ({ clientId, config }));
  }

  beginAggregation(_round: number, global: ModelWeights, scratch?: Float32Array): FitAccumulator {
    return new MeanAccumulator(
      global,
      (u) => this.weightOf(u),
      (g, mean) => this.serverUpdate(g, mean),
      scratch,
    );
  }

  /** The first ⌈fractionEvaluate · n⌉ of the round's clients, in a seeded order. */
  configureEvaluate(round: number, _global: ModelWeights, fitClients: readonly string[]): string[] {
    const k = Math.ceil(this.baseOptions.fractionEvaluate * fitClients.length);
    return sampleWithoutReplacement(createRng(deriveSeed(this.settings.seed, 'evaluate', round)), fitClients, k);
  }

  aggregateEvaluate(
    _round: number,
    results: readonly EvaluateResult[],
    _failures: readonly ClientFailure[],
  ): EvaluateAggregate | null {
    const n = results.reduce((s, r) => s + r.numExamples, 0);
    if (n === 0) return null;
    const loss = results.reduce((s, r) => s + r.loss * r.numExamples, 0) / n;
    return { loss, metrics: weightedMetricMeans(results), numExamples: n };
  }

  evaluate(_round: number, global: ModelWeights, ctx: StrategyContext): Promise<CentralEvaluation | null> {
    return ctx.evaluate(global);
  }

  /** FedAvg keeps no state across rounds; subclasses with server optimiser state override both. */
  serverState(): Record<string, Float32Array> {
    return {};
  }

  restoreServerState(_state: Record<string, Float32Array>): void {}

  /** Local training config sent with every instruction of round `round` (1-based). */
  protected fitConfig(round: number): FitConfig {
    const { localEpochs, batchSize, learningRate, weighting, rounds } = this.settings;
    const { regularizer, pacing, startFraction, fullAt } = weighting.curriculum;
    // Round r trains with the stage reached after r − 1 rounds, so round 1 starts at startFraction.
    const curriculumStage =
      regularizer === 'none' ? 1 : curriculumStageOf({ kind: pacing, startFraction, fullAt }, round - 1, rounds);
    return { localEpochs, batchSize, learningRate, proximalMu: 0, weighting, curriculumStage };
  }

  /** Aggregation weight of one update: its number of examples. */
  protected weightOf(update: FitResult): number {
    return update.numExamples;
  }

  /** New global model from the old one and the weighted mean of the updates (may be written into `mean`'s buffer); FedAvg takes the mean as it is. */
  protected serverUpdate(_global: ModelWeights, mean: Float32Array): Float32Array {
    return mean;
  }
}

/** Streaming weighted-mean fold shared by the FedAvg family; metrics kept per client (a few scalars each). */
class MeanAccumulator implements FitAccumulator {
  readonly keepsUpdates = false;
  private readonly mean: RunningWeightedMean;
  private readonly metrics: { numExamples: number; metrics: Readonly<Record<string, number>> }[] = [];
  private examples = 0;

  constructor(
    private readonly global: ModelWeights,
    private readonly weightOf: (u: FitResult) => number,
    private readonly serverUpdate: (global: ModelWeights, mean: Float32Array) => Float32Array,
    scratch?: Float32Array,
  ) {
    this.mean = new RunningWeightedMean(global.values.length, scratch);
  }

  get count(): number {
    return this.mean.count;
  }

  add(update: FitResult): void {
    this.mean.add(update.weights.values, this.weightOf(update), `client ${update.clientId}`);
    this.metrics.push({ numExamples: update.numExamples, metrics: update.metrics });
    this.examples += update.numExamples;
  }

  finish(_failures: readonly ClientFailure[]): FitAggregate {
    return {
      weights: { specs: this.global.specs, values: this.serverUpdate(this.global, this.mean.mean()) },
      numExamples: this.examples,
      metrics: weightedMetricMeans(this.metrics),
    };
  }

  dispose(): void {}
}

/** FedAvg in the registry: `{ "name": "fedavg", "fractionEvaluate": 1 }`. */
export const fedavg = defineStrategy({
  name: 'fedavg',
  options: { ...fedAvgOptions },
  create: (settings, options) => new FedAvg(settings, options),
});
