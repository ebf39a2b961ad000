import { RoundClosedError } from '../../shared/errors/index.js';
import type { EvaluateResult, FitAccumulator } from '../strategies/index.js';

/** The failure reason of a selected client that had not answered when its attempt's deadline passed. */
export const DEADLINE_FAILURE = 'no update before the round deadline';

/**
 * What a round keeps across its attempts: every attempt of a round trains from the same global model, so an update
 * accepted in one attempt stays folded in the round's one accumulator, and a later attempt asks only the clients that
 * have not delivered yet. Failures belong to one attempt (OpenRound.failures).
 */
export class RoundProgress {
  /** sha256 of each accepted update, by client id (for idempotent re-submission). */
  readonly accepted = new Map<string, string>();
  /** The latest evaluation each client reported of the round's global model. */
  readonly evaluations = new Map<string, EvaluateResult>();
  /** Every client any attempt selected. */
  readonly selected = new Set<string>();
  /** Why each selected client that has not delivered failed, in the latest attempt it failed (client id → reason). */
  readonly failures = new Map<string, string>();

  /** @param accumulator the strategy's accumulator of the round; accepted updates are folded into it as they arrive. */
  constructor(readonly accumulator: FitAccumulator) {}
}

/** The error client input to round `round` of run `runId` gets while no attempt of it is open (FAILED_PRECONDITION). */
export function roundClosedError(runId: string, round: number, clientId: string): RoundClosedError {
  return new RoundClosedError(`round ${round} of run ${runId} no longer accepts updates`, { runId, clientId, round });
}
