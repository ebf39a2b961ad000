import { DuplicateEvaluationError, DuplicateUpdateError, RoundClosedError } from '../../shared/errors/index.js';
import type { UpdateHeader } from '../../shared/proto/index.js';
import type { EvaluateResult, FitAccumulator, FitResult } from '../strategies/index.js';
import { SubFleetTally } from './sub-fleet-tally.js';

/** The failure reason of a selected client that had not answered when its attempt's deadline passed. */
export const DEADLINE_FAILURE = 'no update before the round deadline';

/** The error client input to round `round` of run `runId` gets while no attempt of it is open (FAILED_PRECONDITION). */
export function roundClosedError(runId: string, round: number, clientId: string): RoundClosedError {
  return new RoundClosedError(`round ${round} of run ${runId} no longer accepts updates`, { runId, clientId, round });
}

/**
 * What a round keeps across its attempts: every attempt of a round trains from the same global model, so an update
 * accepted in one attempt stays folded in the round's one accumulator, and a later attempt asks only the clients that
 * have not delivered yet. Failures belong to one attempt (OpenRound.failures). Keyed by client id, which is one per
 * site: a site counts once per round however many daemons speak for it. The first update and the first evaluation of
 * a client count; an identical re-send is taken without counting again, a different one refused.
 */
export class RoundProgress {
  /** sha256 of each accepted update, by client id (for idempotent re-submission). */
  readonly accepted = new Map<string, string>();
  /** The first evaluation each client reported of the round's global model. */
  readonly evaluations = new Map<string, EvaluateResult>();
  /** Every client any attempt selected. */
  readonly selected = new Set<string>();
  /** Why each selected client that has not delivered failed, in the latest attempt it failed (client id → reason). */
  readonly failures = new Map<string, string>();
  /** The longest time an accepted update took, from its attempt's announcement to its arrival (ms; 0 = none yet). */
  slowestDeliveryMs = 0;
  /** Bytes of the accepted updates as sent (encoded), and as float32 (4 bytes per parameter each). */
  updateBytes = 0;
  rawUpdateBytes = 0;
  /** Clients available for selection when the round's first attempt selected (the DP sampling rate's denominator). */
  availableAtFirstAttempt = 0;
  /** The clipping norm central DP aggregates this round with (0 without DP). */
  clippingNorm = 0;
  /** What the accepted aggregators' updates stand for (hierarchical runs; empty in flat ones). */
  readonly subFleets = new SubFleetTally();

  /** @param accumulator the strategy's accumulator of the round; accepted updates are folded into it as they arrive. */
  constructor(readonly accumulator: FitAccumulator) {}

  /**
   * Folds an accepted update (header `h`, its checked `weights`) into the round's accumulator, and counts what it
   * stands for (an aggregator's: h.subFleet). @param updateNorm ‖x − global‖₂ when measured (FitResult.updateNorm).
   * @throws {AggregationError} from the accumulator.
   */
  fold(h: UpdateHeader, weights: FitResult['weights'], updateNorm?: number): void {
    const update: FitResult = {
      clientId: h.clientId,
      numExamples: h.numExamples,
      weights,
      metrics: h.metrics,
      ...(updateNorm !== undefined && { updateNorm }),
      ...(h.subFleet && { clientUpdates: h.subFleet.clients }),
    };
    this.accumulator.add(update);
    this.subFleets.add(h.clientId, h.subFleet);
  }

  /**
   * Whether the client's update of round `round` is in already, with the same hash as `h`. A header whose digest
   * follows the bytes (sha256 "") cannot say yet: it counts as delivered, and the transport asks again with the
   * digest once it has read it (UpdateIntake.alreadyAccepted).
   * @throws {DuplicateUpdateError} when a different one is.
   */
  delivered(h: UpdateHeader, round: number): boolean {
    const previous = this.accepted.get(h.clientId);
    if (previous === undefined) return false;
    if (previous === h.sha256 || h.sha256 === '') return true;
    throw new DuplicateUpdateError(
      `client ${h.clientId} already submitted a different update for round ${round}; the first one counts`,
      { clientId: h.clientId, round },
    );
  }

  /**
   * Keeps a client's first evaluation of round `round`'s global model; an identical later one changes nothing.
   * @throws {DuplicateEvaluationError} for a later, different one.
   */
  addEvaluation(e: EvaluateResult, round: number): void {
    const first = this.evaluations.get(e.clientId);
    if (first === undefined) this.evaluations.set(e.clientId, e);
    else if (!sameEvaluation(first, e)) {
      throw new DuplicateEvaluationError(
        `client ${e.clientId} already reported a different evaluation of round ${round}; the first one counts`,
        { clientId: e.clientId, round },
      );
    }
  }
}

/** Whether two evaluations of one client say the same (a re-send, not a second opinion). */
function sameEvaluation(a: EvaluateResult, b: EvaluateResult): boolean {
  const keys = Object.keys(a.metrics);
  return (
    a.numExamples === b.numExamples &&
    a.loss === b.loss &&
    keys.length === Object.keys(b.metrics).length &&
    keys.every((k) => a.metrics[k] === b.metrics[k])
  );
}
