import type { ModelWeights } from '../../shared/codec/index.js';
import { QuorumNotMetError, RoundClosedError } from '../../shared/errors/index.js';
import type { Logger } from '../../shared/logging/index.js';
import type { SecAggAttemptRef, SecAggClipping } from '../../shared/proto/index.js';
import type { SecAggParams } from '../../shared/secagg/index.js';
import { weighsEffectiveExamples, type FitAccumulator } from '../strategies/index.js';
import { SecAggAttempt } from './secagg-attempt.js';
import { secAggParamsOf, selectionProblem, type SecureAggregationOptions } from './secagg-config.js';

/** The client id of the one update a SecAgg+ attempt folds into the strategy's accumulator. */
const SECAGG_SUM_ID = 'secagg-sum';

/** What concluding an attempt needs of its round (an OpenRound, with its RoundProgress). */
export interface ConcludedRound {
  readonly global: ModelWeights;
  readonly progress: {
    readonly accumulator: FitAccumulator;
    readonly accepted: Map<string, string>;
    readonly failures: Map<string, string>;
  };
}

/**
 * The SecAgg+ side of one run: a fresh SecAggAttempt per attempt (nothing of an earlier one counts), the routing of
 * clients' streams to the open one, and the one update an attempt that unmasked its sum folds into the strategy's
 * accumulator.
 */
export class SecAggRounds {
  private readonly params: SecAggParams;
  /** The open attempt, until it concluded or the run stopped (it holds an L + 1 sum, keys and ciphertexts). */
  private current: SecAggAttempt | undefined;
  /** Why the latest attempt failed, when it did. */
  private failureValue: Error | undefined;

  /**
   * The SecAgg+ of a run whose config sets secureAggregation; undefined without (a plain run). Central DP (fixed
   * clipping) makes clients clip their delta to its clippingNorm C and weigh alike (DP-FedAvg's equal weights).
   * @throws see the constructor
   */
  static forRun(
    runId: string,
    config: {
      secureAggregation: SecureAggregationOptions | null;
      differentialPrivacy: { mode: 'central' | 'local'; clippingNorm?: number } | null;
      strategy: { name: string };
    },
    logger: Logger,
  ): SecAggRounds | undefined {
    const { secureAggregation: options, differentialPrivacy: dp } = config;
    if (!options) return undefined;
    const central = dp?.mode === 'central';
    const clipping = {
      clippingNorm: central ? dp.clippingNorm! : 0,
      equalWeights: central,
      effectiveExamples: weighsEffectiveExamples(config.strategy.name),
    };
    return new SecAggRounds({ runId, options, logger, clipping });
  }

  /** @throws {ConfigError} for invalid settings (the run config refuses them first). */
  constructor(
    private readonly o: {
      runId: string;
      options: SecureAggregationOptions;
      logger: Logger;
      /** What clients do for central DP (secAggToWire): clip to clippingNorm, weigh alike. */
      clipping: SecAggClipping;
    },
  ) {
    this.params = secAggParamsOf(o.options);
  }

  /**
   * Opens the SecAgg+ instance of one attempt over its selected clients (the previous one, if still running, stops).
   * @param vectorLength L, the global model's parameter count.
   * @throws {ConfigError} when the settings cannot run with this selection (see SecAggAttempt).
   */
  open(a: { round: number; attempt: number; clientIds: readonly string[] }, vectorLength: number): SecAggAttempt {
    this.current?.stop('a new attempt opened');
    this.failureValue = undefined;
    const { advertiseKeysTimeoutMs, shareKeysTimeoutMs, unmaskTimeoutMs } = this.o.options;
    this.current = new SecAggAttempt({
      ref: { runId: this.o.runId, round: a.round, attempt: a.attempt },
      clientIds: a.clientIds,
      params: this.params,
      timeouts: { advertiseKeysMs: advertiseKeysTimeoutMs, shareKeysMs: shareKeysTimeoutMs, unmaskMs: unmaskTimeoutMs },
      vectorLength,
      clipping: this.o.clipping,
      logger: this.o.logger,
    });
    return this.current;
  }

  /**
   * Checks that an attempt of `numClients` selected clients can run SecAgg+ (selectionProblem), before anything of
   * the attempt happens (no announcement, no privacy accounting). When it cannot, the attempt fails as a quorum miss
   * would: `failure` is a QuorumNotMetError naming the round, attempt and reason (the run's error if it was the last).
   * @returns the reason, or undefined when the attempt can run.
   */
  refuseSelection(a: { round: number; attempt: number }, numClients: number): string | undefined {
    const problem = selectionProblem(this.params, numClients);
    if (!problem) return undefined;
    this.stop('a new attempt was refused');
    const reason = `${problem.message} (${numClients} clients selected)`;
    this.failureValue = new QuorumNotMetError(
      `SecAgg+ round ${a.round} attempt ${a.attempt} of run ${this.o.runId} cannot run: ${reason}; no client was asked`,
      { runId: this.o.runId, round: a.round, field: problem.field },
    );
    return reason;
  }

  /**
   * The open attempt a client's stream names.
   * @throws {RoundClosedError} (FAILED_PRECONDITION) naming the current round and attempt when it is another.
   */
  attemptFor(ref: SecAggAttemptRef): SecAggAttempt {
    const c = this.current;
    if (c && c.ref.round === ref.round && c.ref.attempt === ref.attempt) return c;
    const now = c ? `the current one is round ${c.ref.round} attempt ${c.ref.attempt}` : 'none is open';
    throw new RoundClosedError(
      `SecAgg+ round ${ref.round} attempt ${ref.attempt} of run ${this.o.runId} is not open; ${now}`,
      { runId: this.o.runId, round: c?.ref.round },
    );
  }

  /**
   * Ends the open attempt after its round closed (SecAggAttempt.conclude). When it unmasked its sum, folds ONE update
   * into the round's accumulator: weights g + Δ̄ (clients mask their delta δ = w − g, so the weighted mean is
   * Δ̄ = Σ r̂ₖ·clip(δₖ) / Σ r̂ₖ) and numExamples Σ r̂ₖ·maxWeight, with the survivors' mean metrics; the survivors
   * count as the round's accepted clients. FedAvg then gives g + Δ̄ and FedAvgM / FedOpt / FedProx apply their server
   * step to it. FedAvgEffective weighs the one update by min(its mean effective_examples, numExamples): with one
   * update any positive weight gives it whole (clients weigh themselves by Σw inside the sum), and a zero one only
   * arises when every survivor reported Σw = 0, which the unmasked sum refuses first (total weight 0).
   */
  async conclude(round: ConcludedRound, minClients: number): Promise<void> {
    const attempt = this.current;
    if (!attempt) return;
    const outcome = await attempt.conclude(minClients);
    if (this.current === attempt) this.current = undefined; // the run keeps nothing of a concluded attempt
    this.failureValue = attempt.failure;
    if (!outcome) return;
    const { global, progress } = round;
    const mean = outcome.result.weightedMean;
    const values = new Float32Array(global.values.length);
    for (let i = 0; i < values.length; i++) values[i] = global.values[i]! + mean[i]!;
    progress.accumulator.add({
      clientId: SECAGG_SUM_ID,
      numExamples: outcome.result.totalExamples,
      weights: { specs: global.specs, values },
      metrics: outcome.metrics,
      // Central DP: the mean of survivors' clipped deltas; the strategy adds N(0, σ²C²)/m with m = survivors.
      ...(this.o.clipping.equalWeights && { clippedMeanOf: outcome.result.survivors.length }),
    });
    for (const id of outcome.result.survivors) {
      progress.accepted.set(id, attempt.delivered.get(id)!);
      progress.failures.delete(id);
    }
    this.o.logger.info(
      { round: attempt.ref.round, attempt: attempt.ref.attempt, ...counts(outcome.result) },
      'SecAgg+ sum unmasked',
    );
  }

  /** Why the latest attempt failed, when it did (the run's error if it was the round's last). */
  get failure(): Error | undefined {
    return this.failureValue ?? this.current?.failure;
  }

  /** The run stops or ends: the open attempt's streams end ABORTED, its timers stop, the run keeps nothing of it. */
  stop(reason: string): void {
    this.current?.stop(reason);
    this.current = undefined;
  }
}

/**
 * The open attempt of run `runId` that a client's stream names (`rounds` undefined: the run does not use SecAgg+).
 * @throws {RoundClosedError} (FAILED_PRECONDITION) when the run does not use SecAgg+, or `ref` is not the open
 *   attempt (naming the current one).
 */
export function attemptOf(rounds: SecAggRounds | undefined, runId: string, ref: SecAggAttemptRef): SecAggAttempt {
  if (!rounds) throw new RoundClosedError(`run ${runId} does not use secure aggregation`, { runId });
  return rounds.attemptFor(ref);
}

function counts(r: { survivors: readonly string[]; dropped: readonly string[]; absent: readonly string[] }) {
  return { survivors: r.survivors.length, dropped: r.dropped.length, absent: r.absent.length };
}
