import type { ModelWeights } from '../../shared/codec/index.js';
import type { WeightingConfig } from '../../shared/config/index.js';
import type { RunPrivacy, DifferentialPrivacyConfig } from '../privacy/index.js';

/**
 * The run settings a strategy reads, besides its own options: a validated run config satisfies it as it is. Declared
 * here, not taken from coordinator/config, because the run config's strategy schema is built from this folder.
 */
export interface StrategySettings {
  /** Seed of every random choice (client selection, evaluation sampling). */
  readonly seed: number;
  /** Rounds the run lasts (the curriculum's pace is spread over them). */
  readonly rounds: number;
  /** Clients selected per round (all available ones when fewer are connected). */
  readonly clientsPerRound: number;
  /** Local epochs per round on each client. */
  readonly localEpochs: number;
  /** Local mini-batch size (samples). */
  readonly batchSize: number;
  /** Local optimiser learning rate. */
  readonly learningRate: number;
  /** Per-sample weighting the clients apply. */
  readonly weighting: WeightingConfig;
  /** Central differential privacy of the FedAvg family (clipping, noise, accounting); null or absent = none. */
  readonly differentialPrivacy?: DifferentialPrivacyConfig | null;
}

/** Local training settings sent to one client for one round (Flower: FitIns.config). */
export interface FitConfig {
  localEpochs: number;
  /** samples */
  batchSize: number;
  learningRate: number;
  /** FedProx μ: the client adds (μ/2)·‖w − w_global‖² to its loss; 0 = plain local training. */
  proximalMu: number;
  /** Per-sample weighting the client applies. */
  weighting: WeightingConfig;
  /** Share of local samples the self-paced curriculum admits this round, in (0, 1] (1 without a curriculum). */
  curriculumStage: number;
  /**
   * Local differential privacy: the client clips its update's delta to `clippingNorm` and adds N(0, σ²C²) to it
   * before encoding; null or absent = none.
   */
  localPrivacy?: { noiseMultiplier: number; clippingNorm: number } | null;
}

/** One selected client and what it should do this round (Flower: FitIns). */
export interface FitInstruction {
  clientId: string;
  config: FitConfig;
}

/**
 * A model-length vector handed over in consecutive blocks: a compressed update decoded while it is folded, so no
 * float32 copy of the whole update is ever made.
 */
export interface ValueBlocks {
  /** Values in all (the model's parameter count). */
  readonly length: number;
  /**
   * Calls `fn` for consecutive blocks covering [0, length) in order; `block` is valid only during the call.
   * @throws whatever decoding throws (the intake checked the bytes before, so nothing in practice).
   */
  forEachBlock(fn: (offset: number, block: Float32Array) => void): void;
  /**
   * One running-mean step, decoding while it folds: mean_i ← mean_i + r·(x_i − mean_i) for every i, mean = x when
   * r = 1; the same float32 result as folding forEachBlock's blocks with that step.
   * @param mean `length` values, updated in place. @param r the update's share of the weight so far, in (0, 1].
   */
  foldInto(mean: Float32Array, r: number): void;
}

/** An update's values: a dense [parameters] float32 vector, or the same values block by block. */
export type UpdateValues = Float32Array | ValueBlocks;

/**
 * One client's accepted update (Flower: FitRes). `weights` has the global model's specs. The accumulator may keep its
 * buffer only when it declares `keepsUpdates`; otherwise the caller reuses the buffer after `add` returns.
 */
export interface FitResult {
  clientId: string;
  /** Samples the update was trained on (FedAvg weight). */
  numExamples: number;
  weights: { readonly specs: ModelWeights['specs']; readonly values: UpdateValues };
  /** Client-reported scalars, e.g. train_loss, effective_examples. */
  metrics: Readonly<Record<string, number>>;
  /**
   * ‖x_k − g‖₂, the update's L2 distance to the round's global model (weight units), as the round intake measured it
   * while checking the values; absent when nothing asked for it (no maxUpdateNorm, no differential privacy).
   */
  updateNorm?: number;
  /**
   * Central DP under SecAgg+: the update is the unweighted mean of this many client updates, each clipped to the
   * round's clipping norm by its client (FitConfig.secureAggregation.clippingNorm); absent = one client's update.
   */
  clippedMeanOf?: number;
  /**
   * Client updates this update stands for: an aggregator's the clients of its sub-fleet it folded (a hierarchical
   * run, UpdateHeader.sub_fleet.clients); absent = 1, one client's own update.
   */
  clientUpdates?: number;
}

/** A client that was selected but contributed nothing, and why. */
export interface ClientFailure {
  clientId: string;
  reason: string;
}

/** The new global model and aggregated metrics of one round. */
export interface FitAggregate {
  weights: ModelWeights;
  /** Σ numExamples of the updates that entered the aggregate. */
  numExamples: number;
  /** Example-weighted means of the clients' numeric metrics (e.g. train_loss). */
  metrics: Record<string, number>;
}

/** Per-client evaluation of the global model on its own data (Flower: EvaluateRes). */
export interface EvaluateResult {
  clientId: string;
  numExamples: number;
  loss: number;
  metrics: Readonly<Record<string, number>>;
}

/** Aggregated evaluation: loss and metrics, example-weighted. */
export interface EvaluateAggregate {
  loss: number;
  metrics: Record<string, number>;
  numExamples: number;
}

/**
 * Folds a round's updates as they arrive. FedAvg-family accumulators keep O(model size) whatever the number of
 * clients; robust ones (median, trimmed mean, Krum) keep every update, spilling to disk past a memory budget.
 * `add` may be called any number of times, then `finish` once; `dispose` releases buffers and files in any case.
 */
export interface FitAccumulator {
  /**
   * True when `add` keeps the update's buffer (robust rules); false when it only reads it, so the caller may reuse
   * the buffer for the next update (FedAvg family).
   */
  readonly keepsUpdates: boolean;
  /**
   * Folds one update. The caller has already checked its tensor specs against the global model (the round intake
   * does), so the accumulator checks only what its reduction needs.
   * @throws {AggregationError} when the update's length differs from the global model's or its weight is invalid.
   */
  add(update: FitResult): void;
  /** Number of updates folded so far. */
  readonly count: number;
  /** @throws {AggregationError} when nothing (or only zero weight) was folded, or too few updates for the rule. */
  finish(failures: readonly ClientFailure[]): FitAggregate;
  /** Releases held updates and temporary files; safe to call more than once. */
  dispose(): void;
}

/** Centralised evaluation result: loss (mean cross-entropy, nats) and accuracy in [0, 1]. */
export interface CentralEvaluation {
  loss: number;
  accuracy: number;
  numExamples: number;
}

/** What a strategy may use: the run settings, the run's initial model and its test set. Never a transport. */
export interface StrategyContext {
  config: StrategySettings;
  /** The run's initial model: its model.json's weights, or a built-in's or declared MLP's from the run seed. */
  initialWeights(): Promise<ModelWeights>;
  /** Evaluates weights on the run's held-out test set (on the coordinator). */
  evaluate(weights: ModelWeights): Promise<CentralEvaluation>;
}

/** The clients a strategy may choose from: ids of connected, live clients, in join order. */
export interface ClientPool {
  readonly available: readonly string[];
}

/**
 * Server-side FL algorithm (Flower's Strategy, made streaming). Pure of I/O: it gets capabilities through the context.
 * One instance serves one run, so server-side optimiser state lives across that run's rounds.
 */
export interface Strategy {
  /** Registry key, e.g. "fedavg". */
  readonly name: string;
  /** Initial global model; null would ask a client for it (not used by fedsift's built-ins). */
  initializeParameters(ctx: StrategyContext): Promise<ModelWeights | null>;
  /** Which clients train this round, with what config. Empty when none is available. */
  configureFit(round: number, global: ModelWeights, clients: ClientPool): FitInstruction[];
  /**
   * Starts folding this round's updates. `scratch`: a model-sized buffer the caller no longer needs (a retired global
   * model), which the accumulator may take as its working memory and return, overwritten, as the new global model;
   * accumulators that keep every update ignore it.
   */
  beginAggregation(round: number, global: ModelWeights, scratch?: Float32Array): FitAccumulator;
  /** Which of this round's clients report an evaluation of the global model on their own data. */
  configureEvaluate(round: number, global: ModelWeights, fitClients: readonly string[]): string[];
  /** Combines the clients' evaluations of the global model; null when none arrived. */
  aggregateEvaluate(
    round: number,
    results: readonly EvaluateResult[],
    failures: readonly ClientFailure[],
  ): EvaluateAggregate | null;
  /** Centralised evaluation of the new global model; null when the strategy has none. */
  evaluate(round: number, global: ModelWeights, ctx: StrategyContext): Promise<CentralEvaluation | null>;
  /** Server state carried across rounds (e.g. FedAvgM momentum), for checkpoints: vectors as long as the model; {} when stateless. */
  serverState(): Record<string, Float32Array>;
  /** Restores what serverState() returned, when a run resumes from a checkpoint. */
  restoreServerState(state: Record<string, Float32Array>): void;
  /**
   * The run's central differential privacy when the strategy applies it (FedAvg family with `differentialPrivacy`):
   * the run accounts each round with it and keeps its state in checkpoints. Absent or null = none.
   */
  readonly privacy?: RunPrivacy | null;
}
