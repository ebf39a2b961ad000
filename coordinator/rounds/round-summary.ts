import { CLIENT_METRICS, EVALUATION_METRICS } from '../../shared/contract/index.js';
import type { RoundSummary } from '../../shared/proto/index.js';
import type { CentralEvaluation, ClientFailure, EvaluateAggregate, FitAggregate } from '../strategies/index.js';

/** What a completed round produced, as both the run controller and the simulation hold it. */
export interface CompletedRound {
  round: number;
  /** Clients selected and clients whose update was folded. */
  selected: number;
  responded: number;
  attempts: number;
  failures: readonly ClientFailure[];
  aggregate: FitAggregate;
  /** The strategy's central evaluation of the new global model; null when it has none. */
  central: CentralEvaluation | null;
  /** The clients' evaluations of the round's input model, combined; null when none arrived. */
  federated: EvaluateAggregate | null;
  /** Wall time of the whole round and of aggregation + evaluation (ms). */
  durationMs: number;
  aggregationMs: number;
}

/** The RoundSummary of a completed round (losses in nats, accuracies in [0, 1]; NaN where nothing was measured). */
export function summarizeRound(r: CompletedRound): RoundSummary {
  return {
    round: r.round,
    selected: r.selected,
    responded: r.responded,
    failed: r.selected - r.responded,
    trainLoss: r.aggregate.metrics[CLIENT_METRICS.trainLoss] ?? NaN,
    testLoss: r.central?.loss ?? NaN,
    testAccuracy: r.central?.accuracy ?? NaN,
    durationMs: r.durationMs,
    federatedAccuracy: r.federated?.metrics[EVALUATION_METRICS.accuracy] ?? NaN,
    attempts: r.attempts,
    failures: [...r.failures],
    aggregationMs: r.aggregationMs,
    clientMetrics: r.aggregate.metrics,
  };
}
