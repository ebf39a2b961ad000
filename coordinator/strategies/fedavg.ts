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
import type { StrategyDeps } from './update-spill.js';
import { RunPrivacy, type PrivateRound } from '../privacy/index.js';

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
 * With `differentialPrivacy` in the settings it is DP-FedAvg (as Flower's server-side DP wrappers): each update's
 * distance to the global model is clipped to C, the clipped updates weigh equally, Gaussian noise is added to their
 * mean (RunPrivacy), and the server update (FedAvgM momentum, FedOpt) then applies to that noised mean, which is
 * post-processing and costs no privacy.
 * @see McMahan et al. 2017, "Communication-Efficient Learning of Deep Networks from Decentralized Data", Alg. 1;
 *      McMahan et al. 2018, "Learning Differentially Private Recurrent Language Models", Alg. 1 (DP-FedAvg).
 */
export class FedAvg implements Strategy {
  readonly name: string = 'fedavg';
  readonly privacy: RunPrivacy | null;

  /**
   * @param settings the run settings (seed, clients per round, local training, differential privacy).
   * @param baseOptions the options every FedAvg-family strategy has.
   * @param deps the noise source of differential privacy (secureRandomBytes when absent).
   */
  constructor(
    protected readonly settings: StrategySettings,
    private readonly baseOptions: FedAvgOptions,
    deps: Pick<StrategyDeps, 'randomBytes'> = {},
  ) {
    const dp = settings.differentialPrivacy;
    this.privacy = dp ? new RunPrivacy(dp, deps.randomBytes) : null;
  }

  async initializeParameters(ctx: StrategyContext): Promise<ModelWeights | null> {
    return ctx.initialWeights();
  }

  configureFit(round: number, _global: ModelWeights, clients: ClientPool): FitInstruction[] {
    // With DP, a secret per-run salt makes the selection unpredictable from the public seed (sampling amplification).
    const salt = this.privacy ? [this.privacy.selectionSalt] : [];
    const rng = createRng(deriveSeed(this.settings.seed, 'select', round, ...salt));
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
      this.privacy?.beginRound(),
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
    const localPrivacy = this.privacy?.localFitPrivacy() ?? null;
    return { localEpochs, batchSize, learningRate, proximalMu: 0, weighting, curriculumStage, localPrivacy };
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

/**
 * Streaming weighted-mean fold shared by the FedAvg family; metrics kept per client (a few scalars each). With a
 * private round, each update's weight is its clipping factor instead, and the mean becomes the noised mean model.
 */
class MeanAccumulator implements FitAccumulator {
  readonly keepsUpdates = false;
  private readonly mean: RunningWeightedMean;
  private readonly metrics: { numExamples: number; metrics: Readonly<Record<string, number>> }[] = [];
  private examples = 0;
  /** Client updates behind the folded ones (a SecAgg+ mean counts its survivors): central DP's m. */
  private clients = 0;

  constructor(
    private readonly global: ModelWeights,
    private readonly weightOf: (u: FitResult) => number,
    private readonly serverUpdate: (global: ModelWeights, mean: Float32Array) => Float32Array,
    scratch?: Float32Array,
    private readonly privateRound?: PrivateRound,
  ) {
    this.mean = new RunningWeightedMean(global.values.length, scratch);
  }

  get count(): number {
    return this.mean.count;
  }

  add(update: FitResult): void {
    const who = `client ${update.clientId}`;
    const { privateRound: dp } = this;
    const m = update.clippedMeanOf;
    const weight = !dp
      ? this.weightOf(update)
      : m !== undefined
        ? dp.weightOfClippedMean(m, who)
        : dp.weightOf(update.updateNorm, who);
    this.mean.add(update.weights.values, weight, who);
    this.clients += update.clippedMeanOf ?? 1;
    this.metrics.push({ numExamples: update.numExamples, metrics: update.metrics });
    this.examples += update.numExamples;
  }

  finish(_failures: readonly ClientFailure[]): FitAggregate {
    const { mean, privateRound, global } = this;
    const averaged = privateRound
      ? privateRound.finish(global.values, mean.mean(), mean.weight, this.clients)
      : mean.mean();
    return {
      weights: { specs: global.specs, values: this.serverUpdate(global, averaged) },
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
  create: (settings, options, deps) => new FedAvg(settings, options, deps),
});
