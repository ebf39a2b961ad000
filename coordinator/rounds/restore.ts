import { DataError } from '../../shared/errors/index.js';
import type { Checkpoint } from '../store/index.js';
import type { Strategy } from '../strategies/index.js';

/**
 * Restores a resumed run's strategy from its last checkpoint: the server state (momentum, optimiser moments) and, with
 * differential privacy, the accountant; local DP counts one more step for the interrupted round, whose attempts
 * released noised updates the checkpoint did not account.
 * @throws {DataError} when the run sets differentialPrivacy but the checkpoint has no privacy state (the run would
 *   restart at ε = 0 and release more than its budget says).
 */
export function restoreStrategy(strategy: Strategy, checkpoint: Checkpoint, runId: string): void {
  strategy.restoreServerState(checkpoint.serverState);
  if (!strategy.privacy) return;
  if (!checkpoint.privacy)
    throw new DataError(
      `checkpoint of round ${checkpoint.round} of run ${runId} has no privacy state, but the run sets ` +
        'differentialPrivacy: its spent ε cannot be restored',
    );
  strategy.privacy.restore(checkpoint.privacy);
  if (strategy.privacy.config.mode === 'local') strategy.privacy.account(1);
}
