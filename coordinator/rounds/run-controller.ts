import { setImmediate as nextTurn } from 'node:timers/promises';
import { parseCodecSpec, type ModelWeights } from '../../shared/codec/index.js';
import { fitAnnouncement } from './announcements.js';
import { encodeModel } from './encoded-model.js';
import { attemptDeadlineMs } from './attempt-deadline.js';
import { closeFailingLostClients } from './lost-clients.js';
import { OpenRound } from './open-round.js';
import { RoundProgress } from './round-progress.js';
import { quorumNotMet } from './round-summary.js';
import { chargeAttempt } from './privacy-budget.js';
import { aggregateRound } from './round-aggregation.js';
import { restoreStrategy } from './restore.js';
import { RunIntake } from './run-intake.js';
import { AsyncRun, playVersions } from './async/index.js';
import type { Checkpoint } from '../store/index.js';

/**
 * Event-loop turns a closed round lets pass before it aggregates. grpc-js sends an update's ack in steps (message,
 * then, once that write completes, the status trailers), about three turns; aggregation, central evaluation,
 * checkpointing and encoding the next model can then hold the loop for seconds, and without these turns the ack of
 * the update that closed the round waited for all of it (and could miss the client's deadline).
 */
const ACK_FLUSH_TURNS = 16;

/**
 * The state machine of one training run: wait for eligible clients (their data fits the run's model and schema) →
 * round 0 when the schema needs feature statistics (StatisticsRound) → per round: select (strategy) → announce →
 * collect updates until every selected client answered or the deadline passed → retry below quorum → aggregate →
 * evaluate centrally → next round; an asynchronous run (mode "async") plays versions instead (AsyncRun: dispatch,
 * fold, a version every bufferSize updates). Emits a RunEvent on 'event' at every change. What clients call into
 * the run (model, update, evaluation, statistics) is RunIntake's.
 */
export class RunController extends RunIntake {
  /** The previous completed round's slowest accepted update (ms), for adaptive deadlines (attemptDeadlineMs). */
  private slowestMs: number | undefined;
  /** Why the run ends because an attempt would pass targetEpsilon (privacyBudgetStop); set by openAttempt. */
  private overBudget: string | undefined;

  protected async loop(): Promise<ModelWeights | undefined> {
    const { config, strategy } = this.deps;
    this.log.info({ config }, 'run created');
    await this.waitForClients();
    await this.record.markRunning();
    if (!(await this.data.featureStatistics())) return void this.finish('RUN_STATE_STOPPED', '');
    const checkpoint = this.deps.resume?.checkpoint;
    if (checkpoint) {
      restoreStrategy(strategy, checkpoint, this.runId);
      this.log.info({ fromRound: checkpoint.round }, 'run resumed from its last completed round');
    }
    let global = checkpoint?.weights ?? (await strategy.initializeParameters(this.data.strategyContext));
    if (!global) throw new Error(`strategy ${strategy.name} gave no initial parameters`);
    if (config.mode === 'async') return this.playAsync(global, checkpoint);
    for (let round = this.record.rounds.length + 1; round <= config.rounds; round++) {
      const next = await this.playRound(round, global);
      if (this.overBudget) {
        this.log.info({ round, reason: this.overBudget }, 'run ends: the round would exceed targetEpsilon');
        this.finish('RUN_STATE_COMPLETED', this.overBudget);
        return global;
      }
      if (!next) return void this.finish('RUN_STATE_STOPPED', '');
      global = next;
    }
    this.finish('RUN_STATE_COMPLETED', '');
    return global;
  }

  /** Plays an asynchronous run (AsyncRun, playVersions) from its last committed version to the end. */
  private async playAsync(global: ModelWeights, checkpoint?: Checkpoint): Promise<ModelWeights | undefined> {
    const { deps } = this;
    const { config } = deps;
    const versions = new AsyncRun({
      ...deps,
      logger: this.log,
      eligible: () => this.data.eligible.live(),
      announce: (a) => this.announce(a),
      source: () => this.data.announcementSource,
      publish: deps.modelObjects && ((round, model) => deps.modelObjects!.publish(this.runId, round, model)),
      spareBuffers: this.buffers.receive,
      untimed: !!deps.untimedRounds,
      from: { version: this.record.rounds.length, weights: global, async: checkpoint?.async },
    });
    this.versions = versions;
    this.record.currentRound = versions.currentRound;
    const final = await playVersions(versions, {
      ...deps,
      context: this.data.strategyContext,
      commit: (summary, c) => this.record.commitRound(summary, c),
      completed: (summary) => {
        // the buffer filling now; after the last version, the last one (as a synchronous run ends on its last round)
        this.record.currentRound = Math.min(versions.currentRound, config.rounds);
        this.log.info({ version: summary.round, testAccuracy: summary.testAccuracy }, 'version committed');
        this.emitEvent('RUN_EVENT_KIND_ROUND_COMPLETED', summary);
      },
    });
    if (!final) return void this.finish('RUN_STATE_STOPPED', '');
    this.finish('RUN_STATE_COMPLETED', '');
    return final;
  }

  /**
   * Plays one round: attempts until the round's accepted updates (kept across attempts, see RoundProgress) reach the
   * quorum, or maxRoundAttempts. @returns the new global model, or undefined when stopped.
   */
  private async playRound(round: number, global: ModelWeights): Promise<ModelWeights | undefined> {
    const { config, clock, strategy, clients } = this.deps;
    const startedMs = clock.now();
    this.record.currentRound = round;
    const model = encodeModel(config.model, round, global, config.downloadCodec);
    await this.deps.modelObjects?.publish(this.runId, round, model); // before any announcement names the round
    const progress = new RoundProgress(strategy.beginAggregation(round, global, this.buffers.takeSpareModel()));
    progress.clippingNorm = strategy.privacy?.clippingNorm ?? 0; // adaptive clipping moves it once the round aggregated
    try {
      let last: { accepted: number; failures: OpenRound['failures'] } = { accepted: 0, failures: [] };
      for (let attempt = 1; attempt <= config.maxRoundAttempts; attempt++) {
        if (attempt > 1 || this.data.eligible.live().length < config.minAvailableClients) await this.waitForClients();
        if (this.stopRequested) break;
        const open = await this.openAttempt({ round, attempt, model, global, progress });
        if (!open) return undefined; // the attempt would pass targetEpsilon: this.overBudget says why
        if (typeof open === 'string') {
          this.retryOrFail({ round, attempt, reason: open });
          continue;
        }
        // The in-process simulation's clients never heartbeat: its attempts close only when every client answered.
        const reason = await (this.deps.untimedRounds ? open.closed : closeFailingLostClients(open, clients, clock));
        for (let turn = 0; turn < ACK_FLUSH_TURNS; turn++) await nextTurn();
        this.buffers.trim();
        if (this.stopRequested) break;
        await this.secAgg?.conclude(open, config.minClients); // SecAgg+: unmask, fold the sum, accept survivors
        if (this.stopRequested) break; // stopped while stage 4 ran: nothing is aggregated
        const { accepted, failures, selected } = open;
        this.log.info(
          { round, attempt, reason, accepted: accepted.size, failed: failures.length, selected: selected.size },
          'round closed',
        );
        if (accepted.size >= config.minClients) return await this.completeRound(open, startedMs);
        last = { accepted: accepted.size, failures };
        this.retryOrFail({ round, attempt, accepted: accepted.size });
      }
      if (this.stopRequested) return undefined;
      throw this.secAgg?.failure ?? quorumNotMet(this.runId, round, config, last);
    } finally {
      progress.accumulator.dispose(); // idempotent; frees what a failed or stopped round kept (spill files too)
    }
  }

  /** Logs an attempt that missed its quorum (or could not run SecAgg+: `reason`); announces a retry unless it was the last. */
  private retryOrFail(a: { round: number; attempt: number; accepted?: number; reason?: string }): void {
    const last = a.attempt === this.deps.config.maxRoundAttempts;
    const fields = { ...a, minClients: this.deps.config.minClients };
    this.log.warn(fields, last ? 'quorum not met in the last attempt' : 'quorum not met, retrying round');
    if (!last) this.emitEvent('RUN_EVENT_KIND_ROUND_RETRIED');
  }

  /**
   * Selects the clients of one attempt (strategy; those that already delivered an update this round are not asked
   * again), opens its intake and announces it. With a privacy target, an attempt whose selection would carry the
   * round's ε past it opens nothing: it sets overBudget (the run ends there, COMPLETED with that reason, the round's
   * partial updates discarded) and returns undefined. A selection SecAgg+ cannot run opens nothing either: returns
   * why (SecAggRounds.refuseSelection), and the attempt counts as a quorum miss.
   */
  private async openAttempt(
    a: Pick<ConstructorParameters<typeof OpenRound>[0], 'round' | 'attempt' | 'model' | 'global' | 'progress'>,
  ): Promise<OpenRound | string | undefined> {
    const { config, strategy, clock, clients } = this.deps;
    const { round, global, progress } = a;
    const available = this.data.eligible.live();
    if (a.attempt === 1) progress.availableAtFirstAttempt = available.length;
    const instructions = strategy
      .configureFit(round, global, { available })
      .filter((i) => !progress.accepted.has(i.clientId));
    // SecAgg+ refuses a selection it cannot run before anything of the attempt happens (DP is not charged).
    const refused = this.secAgg?.refuseSelection(a, instructions.length);
    if (refused) return refused;
    this.overBudget = chargeAttempt(strategy.privacy, round, progress, instructions);
    if (this.overBudget) return undefined;
    for (const i of instructions) progress.selected.add(i.clientId);
    const masked = this.secAgg?.open({ ...a, clientIds: instructions.map((i) => i.clientId) }, global.values.length);
    const open = new OpenRound({
      ...a,
      runId: this.runId,
      instructions,
      deadlineUnixMs: this.deps.untimedRounds
        ? null
        : clock.now() + attemptDeadlineMs(config, a.attempt, this.slowestMs),
      nowMs: clock.now(),
      maxUpdateNorm: config.maxUpdateNorm,
      measureUpdateNorms: strategy.privacy?.config.mode === 'central',
      updateCodec: parseCodecSpec(config.updateCodec),
      sender: (clientId) => clients.get(clientId).capabilities,
      spareBuffers: this.buffers.receive,
      logger: this.log,
      masked,
    });
    this.open = open;
    const evaluators = strategy.configureEvaluate(round, global, [...open.selected]);
    await this.announce(fitAnnouncement(this.data.announcementSource, open, evaluators));
    this.emitEvent('RUN_EVENT_KIND_ROUND_STARTED');
    return open;
  }

  /** Aggregates a round whose accepted updates met the quorum, evaluates, commits. @returns the new global model. */
  private async completeRound(open: OpenRound, startedMs: number): Promise<ModelWeights> {
    const { weights, summary, checkpoint } = await aggregateRound(
      this.deps,
      open,
      this.data.strategyContext,
      startedMs,
    );
    await this.record.commitRound(summary, checkpoint);
    const { testAccuracy, testLoss, trainLoss, dpEpsilon, dpClippingNorm } = summary;
    this.log.info(
      { round: open.round, testAccuracy, testLoss, trainLoss, dpEpsilon, dpClippingNorm },
      'round aggregated',
    );
    this.emitEvent('RUN_EVENT_KIND_ROUND_COMPLETED', summary);
    this.buffers.retire(open.model, open.global, weights);
    this.slowestMs = open.progress.slowestDeliveryMs;
    return weights;
  }
}
