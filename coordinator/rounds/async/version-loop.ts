import type { ModelWeights } from '../../../shared/codec/index.js';
import type { RoundSummary } from '../../../shared/proto/index.js';
import type { RunConfig } from '../../config/index.js';
import type { Checkpoint } from '../../store/index.js';
import type { Strategy, StrategyContext } from '../../strategies/index.js';
import type { Clock } from '../run-deps.js';
import type { AsyncRun } from './async-run.js';
import { versionRecord } from './version-buffer.js';

/**
 * Plays an asynchronous run to its last version: for each version the engine makes (and serves at once, so clients
 * keep training while it is evaluated), in order, evaluates it centrally, commits its summary and checkpoint, and
 * reports it (`completed`). A version is to the store, the metrics, the dashboard and resume what a round is in a
 * synchronous run; `config.rounds` counts them.
 * @returns the last version's model, or undefined when the run stopped first.
 * @throws what failed the engine (QuorumNotMetError, AggregationError) or the store's error.
 */
export async function playVersions(
  run: AsyncRun,
  o: {
    config: RunConfig;
    strategy: Strategy;
    context: StrategyContext;
    clock: Clock;
    commit(summary: RoundSummary, checkpoint: Checkpoint): Promise<void>;
    completed(summary: RoundSummary): void;
  },
): Promise<ModelWeights | undefined> {
  for (let made = await run.nextVersion(); made; made = await run.nextVersion()) {
    const { summary, checkpoint } = await versionRecord(made, o);
    await o.commit(summary, checkpoint);
    o.completed(summary);
    if (summary.round >= o.config.rounds) return made.aggregate.weights;
  }
  return undefined;
}
