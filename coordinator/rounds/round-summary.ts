import { CLIENT_METRICS, EVALUATION_METRICS } from '../../shared/contract/index.js';
import type { RoundSummary } from '../../shared/proto/index.js';
import { QuorumNotMetError } from '../../shared/errors/index.js';
import type { CentralEvaluation, ClientFailure, EvaluateAggregate, FitAggregate } from '../strategies/index.js';
import { DEADLINE_FAILURE } from './round-progress.js';

/** What a completed round produced, as both the run controller and the simulation hold it. */
export interface CompletedRound {
  round: number;
  /** Clients selected and clients whose update was folded. */
  selected: number;
  responded: number;
  /** Client updates in the aggregate, an aggregator's counted as its sub-fleet's. @default responded */
  clientUpdates?: number;
  /** Clients behind the aggregators that contributed nothing. @default 0 */
  subFleetFailed?: number;
  attempts: number;
  /** Selected clients that failed, then the failures aggregators listed (`<aggregator>/<client>`). */
  failures: readonly ClientFailure[];
  aggregate: FitAggregate;
  /** The strategy's central evaluation of the new global model; null when it has none. */
  central: CentralEvaluation | null;
  /** The clients' evaluations of the round's input model, combined; null when none arrived. */
  federated: EvaluateAggregate | null;
  /** Wall time of the whole round and of aggregation + evaluation (ms). */
  durationMs: number;
  aggregationMs: number;
  /** Bytes the round moved and the run's codecs (see RoundSummary). */
  traffic: Pick<RoundSummary, 'updateBytes' | 'rawUpdateBytes' | 'modelBytes' | 'updateCodec' | 'downloadCodec'>;
  /** Central DP: ε(δ) after the round and its clipping norm; {} without DP. */
  privacy?: Pick<RoundSummary, 'dpEpsilon' | 'dpClippingNorm'>;
}

/** The RoundSummary of a completed round (losses in nats, accuracies in [0, 1]; NaN where nothing was measured). */
export function summarizeRound(r: CompletedRound): RoundSummary {
  return {
    round: r.round,
    selected: r.selected,
    responded: r.responded,
    failed: r.selected - r.responded,
    clientUpdates: r.clientUpdates ?? r.responded,
    subFleetFailed: r.subFleetFailed ?? 0,
    trainLoss: r.aggregate.metrics[CLIENT_METRICS.trainLoss] ?? NaN,
    testLoss: r.central?.loss ?? NaN,
    testAccuracy: r.central?.accuracy ?? NaN,
    durationMs: r.durationMs,
    federatedAccuracy: r.federated?.metrics[EVALUATION_METRICS.accuracy] ?? NaN,
    attempts: r.attempts,
    failures: [...r.failures],
    aggregationMs: r.aggregationMs,
    clientMetrics: r.aggregate.metrics,
    ...r.traffic,
    ...r.privacy,
  };
}

/** Failures a quorum error names one by one (the rest are counted): its message goes to the store, status and CLI. */
const MAX_FAILURES_IN_ERROR = 5;

/** What a round collects, for quorum errors: a training round's updates, or round 0's feature statistics. */
export interface RoundYield {
  /** Plural noun of what the round collects ("updates"). */
  readonly items: string;
  /** The failure reason of a selected client that had not answered at the deadline. */
  readonly deadlineFailure: string;
}
const UPDATES: RoundYield = { items: 'updates', deadlineFailure: DEADLINE_FAILURE };

/**
 * Why a round failed its quorum: what it accepted over its attempts, the last attempt's failures (at most
 * MAX_FAILURES_IN_ERROR named), and, when clients missed the deadline, the setting to raise for slow sites.
 * @returns the error the run fails with (its message goes to the store, run status and the CLI).
 */
export function quorumNotMet(
  runId: string,
  round: number,
  run: { minClients: number; maxRoundAttempts: number; roundDeadlineMs: number },
  last: { accepted: number; failures: readonly ClientFailure[] },
  yields: RoundYield = UPDATES,
): QuorumNotMetError {
  const n = run.maxRoundAttempts;
  const shown = last.failures.slice(0, MAX_FAILURES_IN_ERROR).map((f) => `${f.clientId}: ${f.reason}`);
  const more = last.failures.length - shown.length;
  const why = shown.join('; ') + (more > 0 ? `; … and ${more} more` : '');
  const slow = last.failures.some((f) => f.reason === yields.deadlineFailure)
    ? `; clients did not answer before the round deadline (still training, or gone): for slow sites raise ` +
      `roundDeadlineMs (run config, or fedsift run start --round-deadline-ms; now ${run.roundDeadlineMs} ms)`
    : '';
  return new QuorumNotMetError(
    `round ${round}: fewer than ${run.minClients} ${yields.items} in ${n} attempt${n === 1 ? '' : 's'} ` +
      `(${last.accepted} accepted; last attempt: ${why || 'no failure'})${slow}`,
    { runId, round },
  );
}
