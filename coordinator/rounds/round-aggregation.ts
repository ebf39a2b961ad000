import type { ModelWeights } from '../../shared/codec/index.js';
import type { RoundSummary } from '../../shared/proto/index.js';
import type { Checkpoint } from '../store/index.js';
import type { StrategyContext } from '../strategies/index.js';
import type { OpenRound } from './open-round.js';
import { accountRound, roundSamplingRate } from './privacy-budget.js';
import { summarizeRound } from './round-summary.js';
import type { RunDeps } from './run-deps.js';

/** What aggregating a round gives: the new global model, the round's summary and the checkpoint to commit. */
export interface AggregatedRound {
  readonly weights: ModelWeights;
  readonly summary: RoundSummary;
  readonly checkpoint: Checkpoint;
}

/**
 * Aggregates a round whose accepted updates met the quorum: the strategy's accumulator, the privacy accounting at
 * the round's sampling rate, central and federated evaluation, the summary (with the round's traffic and what the
 * aggregators' updates stood for: client updates, sub-fleet failures) and the checkpoint (weights, server state, privacy state). Commits nothing.
 * @param startedMs when the round started (deps.clock, ms).
 * @throws {AggregationError} from the accumulator (total weight 0, non-finite values).
 */
export async function aggregateRound(
  deps: Pick<RunDeps, 'strategy' | 'clock' | 'config'>,
  open: OpenRound,
  strategyContext: StrategyContext,
  startedMs: number,
): Promise<AggregatedRound> {
  const { strategy, clock, config } = deps;
  const { round, progress } = open;
  const aggStarted = clock.now();
  // Every client selected in some attempt that never delivered, with its latest failure (failed = selected − responded).
  const failures = [...progress.failures].map(([clientId, reason]) => ({ clientId, reason }));
  const aggregate = progress.accumulator.finish(failures);
  const samplingRate = roundSamplingRate(progress.selected.size, progress.availableAtFirstAttempt);
  const privacy = accountRound(strategy.privacy, progress.clippingNorm, samplingRate);
  const central = await strategy.evaluate(round, aggregate.weights, strategyContext);
  const federated = strategy.aggregateEvaluate(round, [...progress.evaluations.values()], failures);
  const { subFleets } = progress;
  const summary = summarizeRound({
    round,
    selected: progress.selected.size,
    responded: progress.accepted.size,
    clientUpdates: subFleets.clientUpdates(progress.accepted.size),
    subFleetFailed: subFleets.failed,
    attempts: open.attempt,
    failures: [...failures, ...subFleets.failures],
    aggregate,
    central,
    federated,
    durationMs: clock.now() - startedMs,
    aggregationMs: clock.now() - aggStarted,
    traffic: {
      updateBytes: progress.updateBytes,
      rawUpdateBytes: progress.rawUpdateBytes,
      modelBytes: open.model.bytesSent,
      updateCodec: config.updateCodec,
      downloadCodec: config.downloadCodec,
    },
    privacy,
  });
  const checkpoint = {
    round,
    weights: aggregate.weights,
    serverState: strategy.serverState(),
    ...(strategy.privacy && { privacy: strategy.privacy.state() }),
  };
  return { weights: aggregate.weights, summary, checkpoint };
}
