import type {
  EvaluationReport,
  RunSpec,
  SiteStatistics,
  StatisticsAck,
  SecAggAttemptRef,
  UpdateHeader,
} from '../../shared/proto/index.js';
import { RoundClosedError, StaleRoundError } from '../../shared/errors/index.js';
import { attemptOf, type SecAggAttempt } from '../secagg/index.js';
import type { EncodedModel } from './encoded-model.js';
import type { OpenRound } from './open-round.js';
import { roundClosedError } from './round-progress.js';
import { RunLifecycle } from './run-lifecycle.js';
import type { UpdateReceiver } from './update-intake.js';

/**
 * What clients call into a run (RunController): the model of a round or dispatch, an update's header, an evaluation,
 * a failure report, the run spec, feature statistics and the SecAgg+ attempt, each handed to the open round
 * (OpenRound), the asynchronous engine (AsyncRun) or the run's data, refused when the round named is not the open one.
 */
export abstract class RunIntake extends RunLifecycle {
  /**
   * The global model of the open round, for a selected client.
   * @throws {StaleRoundError} (carrying the current round) when `round` is not the open one; {RoundClosedError};
   *         {NotSelectedError}.
   */
  modelFor(round: number, clientId: string): EncodedModel {
    if (this.versions) return this.versions.modelFor(round, clientId);
    const open = this.requireOpen(round, clientId);
    open.assertSelected(clientId);
    return open.model;
  }

  /**
   * Hands an update header to the open round's intake (OpenRound.receive, where every update check runs).
   * Once the attempt closed, a re-send of an update the round accepted is still acknowledged until the next round
   * opens (see OpenRound.receive). @returns the receiver of the update's bytes.
   * @throws {StaleRoundError} | {RoundClosedError} and see OpenRound.receive.
   */
  receiveUpdate(h: UpdateHeader): UpdateReceiver {
    if (this.versions) return this.versions.receive(h);
    const open = this.open;
    if (open?.round === h.round && open.accepted.has(h.clientId)) return open.receive(h);
    return this.requireOpen(h.round, h.clientId).receive(h);
  }

  /** A client's evaluation of the open round's global model on its own data. @throws see OpenRound.addEvaluation */
  reportEvaluation(r: EvaluationReport): void {
    this.requireOpen(r.round, r.clientId).addEvaluation(r);
  }

  /**
   * A selected client says it cannot deliver this round (an in-process client whose local step threw): it fails the
   * round at once instead of at the deadline. @throws {StaleRoundError} | {RoundClosedError} | {NotSelectedError}
   */
  reportFailure(round: number, clientId: string, reason: string): void {
    if (this.versions) return this.versions.reportFailure(round, clientId, reason);
    const open = this.requireOpen(round, clientId);
    open.assertSelected(clientId);
    open.reject(clientId, reason, open.attempt);
  }

  /**
   * What a client needs besides the weights: the model's topology, the data schema, the feature statistics once
   * round 0 gathered them, and their hash (announced with every round). @throws {RoundClosedError} once finished.
   */
  runSpec(): RunSpec {
    if (this.isFinished) throw new RoundClosedError(`run ${this.runId} is ${this.record.state}`, { runId: this.runId });
    return this.data.runSpec();
  }

  /** A selected site's feature statistics for round 0. @throws see RunData.submitStatistics */
  submitStatistics(s: SiteStatistics): StatisticsAck {
    return this.data.submitStatistics(s);
  }

  /** The open SecAgg+ attempt a client's SecureAggregation stream names. @throws see attemptOf */
  secAggAttempt(ref: SecAggAttemptRef): SecAggAttempt {
    return attemptOf(this.secAgg, this.runId, ref);
  }

  private requireOpen(round: number, clientId: string): OpenRound {
    const open = this.open;
    if (this.isFinished)
      throw new RoundClosedError(`run ${this.runId} is ${this.record.state}`, { runId: this.runId, clientId });
    const { currentRound } = this.record;
    if (round !== currentRound) {
      throw new StaleRoundError(
        `round ${round} is not the current round of run ${this.runId}; current round is ${currentRound}`,
        { runId: this.runId, clientId, round: currentRound },
      );
    }
    if (!open?.isOpen) throw roundClosedError(this.runId, round, clientId);
    return open;
  }
}
