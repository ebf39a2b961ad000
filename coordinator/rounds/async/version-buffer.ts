import { STALENESS_MEAN, STALENESS_METRICS } from '../../../shared/contract/index.js';
import { QuorumNotMetError } from '../../../shared/errors/index.js';
import type { ModelWeights } from '../../../shared/codec/index.js';
import type { RoundSummary, UpdateHeader } from '../../../shared/proto/index.js';
import type { RunConfig } from '../../config/index.js';
import { rebaseUpdate, stalenessWeight, type AsyncSettings } from '../../fedbuff/index.js';
import type { AsyncCheckpoint, Checkpoint } from '../../store/index.js';
import type {
  ClientFailure,
  FitAccumulator,
  FitAggregate,
  Strategy,
  StrategyContext,
  UpdateValues,
} from '../../strategies/index.js';
import { summarizeRound } from '../round-summary.js';
import type { Clock } from '../run-deps.js';

/**
 * FedBuff's buffer of the version being made (round `round`): the strategy's accumulator, folding rebased updates
 * (rebaseUpdate) as they arrive, and what the version's summary reports.
 */
export class VersionBuffer {
  /** Dispatches that ended without an update while this buffer filled (deadline, refused, the client failed). */
  readonly failures: ClientFailure[] = [];
  /** Accepted updates by staleness τ (index), 0 ≤ τ ≤ maxStaleness. */
  readonly staleness: number[];
  updateBytes = 0;
  rawUpdateBytes = 0;
  /** Failures that count toward the run's failure limit (not stale updates). */
  private counted = 0;

  /**
   * @param global the version the buffer's updates are rebased onto (version round − 1), [parameters] float32.
   * @param startedMs when the buffer opened (the run's clock, ms).
   */
  constructor(
    readonly round: number,
    private readonly global: ModelWeights,
    readonly accumulator: FitAccumulator,
    readonly startedMs: number,
    private readonly o: AsyncSettings,
  ) {
    this.staleness = new Array<number>(o.maxStaleness + 1).fill(0);
  }

  /**
   * Folds a checked update of staleness `tau` trained from `base` ([parameters] float32) into the accumulator, rebased
   * onto this buffer's version by η_g·s(τ) (rebaseUpdate, stalenessWeight), and counts it (staleness, bytes). The
   * values are read during the call and not kept.
   */
  fold(h: UpdateHeader, values: UpdateValues, u: { base: Float32Array; tau: number; updateNorm?: number }): void {
    const { specs, values: current } = this.global;
    const factor = this.o.serverLearningRate * stalenessWeight(this.o.staleness, u.tau);
    this.accumulator.add({
      clientId: h.clientId,
      numExamples: h.numExamples,
      weights: { specs, values: rebaseUpdate(values, current, u.base, factor) },
      metrics: h.metrics,
      ...(u.updateNorm !== undefined && { updateNorm: u.updateNorm }),
    });
    this.staleness[u.tau]!++;
    this.updateBytes += h.totalBytes;
    this.rawUpdateBytes += 4 * values.length;
  }

  /**
   * Records a dispatch that ended without an update; one counted against `limit` (Infinity: not counted, e.g. a stale
   * update). @returns the error the run fails with once `limit` counted ones ended while this buffer filled (as a
   * round fails its quorum), else undefined.
   */
  addFailure(f: ClientFailure, limit: number, runId: string): QuorumNotMetError | undefined {
    this.failures.push(f);
    if (Number.isFinite(limit)) this.counted++;
    if (this.counted < limit) return undefined;
    return new QuorumNotMetError(
      `round ${this.round}: ${this.counted} dispatches ended without an update (maxRoundAttempts × ` +
        `async.bufferSize = ${limit}) while ${this.accumulator.count} of ${this.o.bufferSize} updates arrived; ` +
        `last: ${f.clientId}: ${f.reason}`,
      { runId, round: this.round },
    );
  }
}

/** A version made from a full buffer, waiting to be evaluated and committed (in order). */
export interface MadeVersion {
  readonly buffer: VersionBuffer;
  readonly aggregate: FitAggregate;
  /** The strategy's server state right after this version (a copy: the next version moves it on). */
  readonly serverState: Record<string, Float32Array>;
  /** What a restart needs to fold no update of this version or the ones before it twice. */
  readonly async: AsyncCheckpoint;
  /** When the version was made (the run's clock, ms). */
  readonly madeMs: number;
  /** Bytes FetchModel sent of the model the buffer's updates mostly trained from (the version before). */
  readonly modelBytes: number;
}

/**
 * The summary and checkpoint of a made version, evaluated centrally (as a round is). The summary's clientMetrics add
 * the version's staleness histogram (STALENESS_METRICS: accepted updates of staleness τ, and STALENESS_MEAN).
 */
export async function versionRecord(
  made: MadeVersion,
  o: { config: RunConfig; strategy: Strategy; context: StrategyContext; clock: Clock },
): Promise<{ summary: RoundSummary; checkpoint: Checkpoint }> {
  const { buffer, aggregate } = made;
  const central = await o.strategy.evaluate(buffer.round, aggregate.weights, o.context);
  const histogram = Object.fromEntries(buffer.staleness.map((n, tau) => [STALENESS_METRICS.name(tau), n]));
  const count = buffer.staleness.reduce((s, n) => s + n, 0);
  const mean = buffer.staleness.reduce((s, n, tau) => s + n * tau, 0) / count;
  const summary = summarizeRound({
    round: buffer.round,
    selected: count + buffer.failures.length,
    responded: count,
    attempts: 1,
    failures: buffer.failures,
    aggregate: { ...aggregate, metrics: { ...aggregate.metrics, ...histogram, [STALENESS_MEAN]: mean } },
    central,
    federated: null,
    durationMs: made.madeMs - buffer.startedMs,
    aggregationMs: o.clock.now() - made.madeMs,
    traffic: {
      updateBytes: buffer.updateBytes,
      rawUpdateBytes: buffer.rawUpdateBytes,
      modelBytes: made.modelBytes,
      updateCodec: o.config.updateCodec,
      downloadCodec: o.config.downloadCodec,
    },
  });
  const checkpoint = {
    round: buffer.round,
    weights: aggregate.weights,
    serverState: made.serverState,
    async: made.async,
  };
  return { summary, checkpoint };
}
