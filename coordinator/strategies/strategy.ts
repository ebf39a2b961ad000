import type { ModelWeights } from '../../shared/codec/index.js';
import type { RunConfig } from '../../shared/config/index.js';

/** Local training settings sent to one client for one round (Flower: FitIns.config). */
export interface FitConfig {
  localEpochs: number;
  batchSize: number;
  learningRate: number;
}

/** One selected client and what it should do this round (Flower: FitIns). */
export interface FitInstruction {
  clientId: string;
  config: FitConfig;
}

/** One client's accepted update (Flower: FitRes). `weights` has the global model's specs; the accumulator may not keep it. */
export interface FitResult {
  clientId: string;
  /** Samples the update was trained on (FedAvg weight). */
  numExamples: number;
  weights: ModelWeights;
  /** Client-reported scalars, e.g. train_loss. */
  metrics: Readonly<Record<string, number>>;
}

/** A client that was selected but contributed nothing, and why. */
export interface ClientFailure {
  clientId: string;
  reason: string;
}

/** The new global model and aggregated metrics of one round. */
export interface FitAggregate {
  weights: ModelWeights;
  /** Σ numExamples of the folded updates. */
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
 * Folds updates into a running aggregate as they arrive, so memory stays O(model size) whatever the number of
 * clients. `add` may be called any number of times, then `finish` once.
 */
export interface FitAccumulator {
  /** @throws {AggregationError} when the update's specs differ from the global model's or its weight is invalid. */
  add(update: FitResult): void;
  /** Number of updates folded so far. */
  readonly count: number;
  /** @throws {AggregationError} when nothing (or only zero weight) was folded. */
  finish(failures: readonly ClientFailure[]): FitAggregate;
}

/** What a strategy may use: the run config and the model initialiser. Never a transport. */
export interface StrategyContext {
  config: RunConfig;
  /** Builds the registry model with the run seed and returns its weights. */
  initialWeights(): Promise<ModelWeights>;
}

/** The clients a strategy may choose from: ids of connected, live clients, in join order. */
export interface ClientPool {
  readonly available: readonly string[];
}

/** Server-side FL algorithm (Flower's Strategy, made streaming). Pure of I/O. */
export interface Strategy {
  readonly name: string;
  /** Initial global model; null would ask a client for it (not used by fedsift's built-ins). */
  initializeParameters(ctx: StrategyContext): Promise<ModelWeights | null>;
  /** Which clients train this round, with what config. Empty when none is available. */
  configureFit(round: number, global: ModelWeights, clients: ClientPool): FitInstruction[];
  /** Starts folding this round's updates. */
  beginAggregation(round: number, global: ModelWeights): FitAccumulator;
  /** Combines the clients' evaluations of the global model on their own data. */
  aggregateEvaluate(round: number, results: readonly EvaluateResult[], failures: readonly ClientFailure[]): EvaluateAggregate | null;
}
