import { MAX_SUB_FLEET_FAILURES, MAX_SUB_FLEET_REASON_CHARS } from '../../shared/contract/index.js';
import type { CodecSpec, ModelWeights } from '../../shared/codec/index.js';
import { NO_WEIGHTING } from '../../shared/config/index.js';
import { InvalidRequestError } from '../../shared/errors/index.js';
import type { Logger } from '../../shared/logging/index.js';
import type { SubFleetFold, SubFleetUpdate } from '../../shared/proto/index.js';
import { OpenRound, RoundProgress, type EncodedModel, type InputSender } from '../rounds/index.js';
import type { FitConfig } from '../strategies/index.js';
import { SubFleetAccumulator, subFleetEvaluation, type SubFleetAggregate } from './sub-fleet-fold.js';

/**
 * The local fit config of a relayed attempt's instructions. Not read: the relay announces the upstream's fit config
 * as it came (relayedAnnouncement); OpenRound uses the instructions only for who is selected.
 */
const RELAYED: FitConfig = {
  localEpochs: 1,
  batchSize: 1,
  learningRate: 0,
  proximalMu: 0,
  weighting: NO_WEIGHTING,
  curriculumStage: 1,
};

/** What a relayed round needs of its aggregator. */
export interface RelayRoundDeps {
  /** What a client of the aggregator declared at Join. @throws {UnknownClientError} */
  sender(clientId: string): InputSender;
  logger: Logger;
}

/** What the aggregator forwards upstream once a relayed attempt closed. */
export interface SubFleetResult {
  /** The sub-fleet's update, or null when no client's update was folded. */
  update: (SubFleetAggregate & { subFleet: SubFleetUpdate }) | null;
  /** The sub-fleet's evaluation of the global model, or null when none arrived. */
  evaluation: { numExamples: number; loss: number; metrics: Record<string, number> } | null;
}

/**
 * One upstream round as an aggregator relays it to its sub-fleet: the global model (fetched once, served to every
 * client of the aggregator), and the round's progress across attempts, whose accumulator folds the clients' updates
 * into the sub-fleet's weighted mean (SubFleetAccumulator). Each upstream attempt that selects the aggregator opens a
 * local attempt (an OpenRound: every check of the coordinator's intake applies to the clients' updates), selecting
 * clients that have not delivered yet. Local attempts are numbered by the aggregator (RelayRun.nextAttempt), not by
 * the upstream: a restarted upstream numbers a round's attempts from 1 again, and a client that saw the aggregator's
 * attempt 2 would ignore its next attempt 1.
 */
export class RelayRound {
  readonly progress: RoundProgress;
  /**
   * What the upstream took for this round. A later attempt of the round is not relayed again; should a restarted
   * upstream (another coordinator process) announce the round again, this is sent again.
   */
  sent: SubFleetResult | undefined;
  /** The upstream coordinator process that announced the round last (its coordinator id). */
  upstreamId = '';
  private current: OpenRound | undefined;
  /** Receive buffers of the round's updates, reused across its attempts. */
  private readonly spareBuffers: Uint8Array[] = [];

  /**
   * @param runId the upstream run. @param round its round number. @param model the global model as clients fetch it
   * (the upstream's bytes, so its SHA-256 is the upstream announcement's). @param global its decoded weights.
   */
  constructor(
    readonly runId: string,
    readonly round: number,
    readonly model: EncodedModel,
    readonly global: ModelWeights,
    readonly fold: SubFleetFold,
    private readonly updateCodec: CodecSpec,
    private readonly deps: RelayRoundDeps,
  ) {
    this.progress = new RoundProgress(new SubFleetAccumulator(global, fold));
  }

  /** The open local attempt, if any. */
  get open(): OpenRound | undefined {
    return this.current?.isOpen ? this.current : undefined;
  }

  /**
   * Opens local attempt `attempt` (closing an earlier one still open), selecting `selected` (clients that have not
   * delivered; empty closes it at once) until `deadlineUnixMs` (null = none).
   */
  openAttempt(attempt: number, selected: readonly string[], deadlineUnixMs: number | null): OpenRound {
    this.current?.close('aborted');
    for (const id of selected) this.progress.selected.add(id);
    this.current = new OpenRound({
      runId: this.runId,
      round: this.round,
      attempt,
      instructions: selected.map((clientId) => ({ clientId, config: RELAYED })),
      deadlineUnixMs,
      nowMs: Date.now(),
      model: this.model,
      global: this.global,
      progress: this.progress,
      maxUpdateNorm: this.fold.maxUpdateNorm > 0 ? this.fold.maxUpdateNorm : null,
      updateCodec: this.updateCodec,
      sender: (id) => this.deps.sender(id),
      spareBuffers: this.spareBuffers,
      logger: this.deps.logger,
    });
    return this.current;
  }

  /**
   * What to forward once a local attempt closed: the folded updates' weighted mean with what it stands for (clients,
   * and the round's selected clients that have not delivered, at most MAX_SUB_FLEET_FAILURES listed with why, each
   * reason cut to MAX_SUB_FLEET_REASON_CHARS), and the clients' evaluations as one report.
   * @throws {AggregationError} when the folded updates' mean holds a non-finite value (never forwarded).
   */
  result(): SubFleetResult {
    const evaluation = subFleetEvaluation([...this.progress.evaluations.values()]);
    const accumulator = this.progress.accumulator as SubFleetAccumulator;
    if (accumulator.count === 0) return { update: null, evaluation };
    const failed = [...this.progress.failures].map(([clientId, reason]) => ({ clientId, reason }));
    const failures = failed
      .slice(0, MAX_SUB_FLEET_FAILURES)
      .map(({ clientId, reason }) => ({ clientId, reason: reason.slice(0, MAX_SUB_FLEET_REASON_CHARS) }));
    const aggregate = accumulator.finish(failed);
    const subFleet = { clients: aggregate.clients, failed: failed.length, failures };
    return { update: { ...aggregate, subFleet }, evaluation };
  }
}

/** The error a relayed run's calls get for what an aggregator does not relay (SecAgg+, a statistics round). */
export function notRelayed(what: string): InvalidRequestError {
  return new InvalidRequestError(`${what} is not relayed by an aggregator: hierarchical runs refuse it at start`);
}
