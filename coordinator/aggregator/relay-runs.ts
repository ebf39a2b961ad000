import { StaleRoundError, UnknownRunError } from '../../shared/errors/index.js';
import type {
  EvaluationReport,
  RoundAnnouncement,
  RunSpec,
  SiteRun,
  StatisticsAck,
  UpdateHeader,
} from '../../shared/proto/index.js';
import type { ClientRun, ClientRuns } from '../grpc/index.js';
import { roundClosedError, type EncodedModel, type OpenRound, type UpdateReceiver } from '../rounds/index.js';
import type { SecAggAttempt } from '../secagg/index.js';
import { notRelayed, type RelayRound } from './relay-round.js';
import { specSchemaSha256 } from './relayed-announcement.js';

/**
 * An upstream run as an aggregator's clients see it: its spec (fetched from the upstream once per version), and the
 * round the upstream selected the aggregator for, whose open local attempt takes the clients' calls.
 */
export class RelayRun implements ClientRun {
  /** The upstream round being relayed (the latest that selected the aggregator). */
  round: RelayRound | undefined;
  /** The number of the next local attempt: increasing over the run's rounds (see RelayRound). */
  nextAttempt = 1;
  /** The local attempt opened last (closed or not): it acknowledges a re-send of an update it accepted. */
  lastAttempt: OpenRound | undefined;

  /**
   * @param spec the upstream's RunSpec. @param announced the upstream's latest announcement of the run (its local
   *        training settings, for CheckSite).
   */
  constructor(
    readonly runId: string,
    public spec: RunSpec,
    public announced: RoundAnnouncement,
  ) {}

  /** @throws {StaleRoundError} | {RoundClosedError} | {NotSelectedError} as a coordinator's run does. */
  modelFor(round: number, clientId: string): EncodedModel {
    const open = this.requireOpen(round, clientId);
    open.assertSelected(clientId);
    return open.model;
  }

  /** @throws see OpenRound.receive; {StaleRoundError} | {RoundClosedError} when `h.round` has no open attempt. */
  receiveUpdate(h: UpdateHeader): UpdateReceiver {
    const last = this.lastAttempt;
    if (last?.round === h.round && last.accepted.has(h.clientId)) return last.receive(h);
    return this.requireOpen(h.round, h.clientId).receive(h);
  }

  /** @throws see OpenRound.addEvaluation. */
  reportEvaluation(r: EvaluationReport): void {
    this.requireOpen(r.round, r.clientId).addEvaluation(r);
  }

  runSpec(): RunSpec {
    return this.spec;
  }

  /** @throws {InvalidRequestError} always: hierarchical runs have no statistics round. */
  submitStatistics(): StatisticsAck {
    throw notRelayed('a feature statistics round');
  }

  /** @throws {InvalidRequestError} always: hierarchical runs refuse secure aggregation. */
  secAggAttempt(): SecAggAttempt {
    throw notRelayed('secure aggregation');
  }

  /** What CheckSite (preflight) tells a site of the run: its model, local training and data shape. */
  siteRun(): SiteRun {
    const { spec, announced } = this;
    return {
      runId: this.runId,
      modelName: spec.modelRef,
      batchSize: announced.fit?.batchSize ?? 0,
      localEpochs: announced.fit?.localEpochs ?? 0,
      roundDeadlineMs: 0,
      inputShape: spec.inputShape,
      numClasses: spec.numClasses,
      schemaSha256: specSchemaSha256(spec),
    };
  }

  private requireOpen(round: number, clientId: string): OpenRound {
    const current = this.round;
    if (current?.round !== round) {
      const now = current?.round ?? 0;
      throw new StaleRoundError(
        `round ${round} is not the round this aggregator relays for run ${this.runId}; it relays round ${now}`,
        { runId: this.runId, clientId, round: now },
      );
    }
    const open = current.open;
    if (!open) throw roundClosedError(this.runId, round, clientId);
    return open;
  }
}

/** The runs an aggregator relays (those whose rounds selected it), as its Coordinator service serves them. */
export class RelayRuns implements ClientRuns {
  private readonly runs = new Map<string, RelayRun>();

  /** @throws {UnknownRunError} for a run the aggregator does not relay (none of its rounds selected it yet). */
  get(runId: string): RelayRun {
    const run = this.runs.get(runId);
    if (!run) throw new UnknownRunError(`this aggregator relays no run with id "${runId}"`, { runId });
    return run;
  }

  find(runId: string): RelayRun | undefined {
    return this.runs.get(runId);
  }

  add(run: RelayRun): void {
    this.runs.set(run.runId, run);
  }

  /** Forgets a run that ended upstream. @returns it, if the aggregator relayed it. */
  remove(runId: string): RelayRun | undefined {
    const run = this.runs.get(runId);
    this.runs.delete(runId);
    return run;
  }

  /** The relayed runs as CheckSite tells a site; a run whose spec has no valid data schema is left out. */
  siteRuns(): SiteRun[] {
    return [...this.runs.values()].flatMap((r) => {
      try {
        return [r.siteRun()];
      } catch {
        return [];
      }
    });
  }

  /** Every relayed run. */
  list(): RelayRun[] {
    return [...this.runs.values()];
  }
}
