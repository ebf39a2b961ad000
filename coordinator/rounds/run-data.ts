import { InternalError, RoundClosedError } from '../../shared/errors/index.js';
import type { Logger } from '../../shared/logging/index.js';
import type {
  RoundAnnouncement,
  RunEventKind,
  RunSpec,
  SiteStatistics,
  StatisticsAck,
} from '../../shared/proto/index.js';
import { needsStatistics } from '../../shared/tabular/index.js';
import type { RunModel } from '../evaluation/index.js';
import type { StrategyContext } from '../strategies/index.js';
import { statisticsAnnouncement, type AnnouncementSource } from './announcements.js';
import { dataRequirement } from './eligibility.js';
import { EligibleClients } from './eligible-clients.js';
import type { RunDeps } from './run-deps.js';
import type { RunRecord } from './run-record.js';
import { runSpecOf } from './run-spec.js';
import { StatisticsRound, type StatisticsRoundDeps } from './statistics-round.js';

/** What RunData needs from its run. */
export interface RunDataDeps extends Pick<
  RunDeps,
  'runId' | 'config' | 'model' | 'clients' | 'clock' | 'coordinatorId' | 'federationId'
> {
  /** The run's logger. */
  logger: Logger;
  record: RunRecord;
  /** Broadcasts an announcement (never throws). */
  announce(a: RoundAnnouncement): Promise<void>;
  /** Emits a run event (round 0 started, retried, completed). */
  emit(kind: RunEventKind): void;
}

/**
 * A run's model and data side: its model (resolved by ModelRuntime.prepare), the clients whose data fits it (their
 * capabilities against its RunDataShape), its RunSpec, and round 0, which gathers the feature statistics the data
 * schema needs (StatisticsRound) and hands them to the model's test data, the RunSpec and the record.
 */
export class RunData {
  private spec: RunSpec | undefined;
  private statisticsRound: StatisticsRound | undefined;
  private eligibleValue: EligibleClients | undefined;
  private stopped = false;

  constructor(private readonly d: RunDataDeps) {}

  /** The run's model. @throws {InternalError} for a run restored finished, which has none. */
  get model(): RunModel {
    if (!this.d.model) throw new InternalError(`run ${this.d.runId} was restored finished, without its model`);
    return this.d.model;
  }

  /** The clients the run may select. */
  get eligible(): EligibleClients {
    this.eligibleValue ??= new EligibleClients({
      ...this.d,
      requirement: dataRequirement(this.model.artifact, this.d.config.schema),
    });
    return this.eligibleValue;
  }

  /** What strategies get: the run settings, its initial model and central evaluation on its test data. */
  get strategyContext(): StrategyContext {
    const { model } = this;
    return { config: this.d.config, initialWeights: () => model.initialWeights(), evaluate: (w) => model.evaluate(w) };
  }

  /**
   * The RunSpec as it is now: it changes (and its hash) once round 0 gathered the statistics.
   * @throws {RoundClosedError} once the run finished.
   */
  runSpec(): RunSpec {
    const { runId, config, record } = this.d;
    if (record.isFinished) throw new RoundClosedError(`run ${runId} is ${record.state}`, { runId });
    this.spec ??= runSpecOf(runId, this.model.artifact, config.schema, record.statistics);
    return this.spec;
  }

  /** The run as its announcements name it, with the hash of the RunSpec its rounds use now. */
  get announcementSource(): AnnouncementSource {
    return { ...this.d, runSpecSha256: this.runSpec().sha256 };
  }

  /** The hash of the RunSpec the run has used so far ('' when none was made), for its last announcement. */
  get runSpecSha256(): string {
    return this.spec?.sha256 ?? '';
  }

  /**
   * Round 0: the run's global feature statistics, stored (a resumed run) or gathered from the sites when its schema
   * needs them; the model's test table is encoded with them. Round 0 makes no RoundSummary: it is never counted as a
   * training round. @returns false when the run was stopped meanwhile.
   * @throws {QuorumNotMetError} (see StatisticsRound.gather)
   */
  async featureStatistics(): Promise<boolean> {
    const { config, record, logger } = this.d;
    const { schema } = config;
    if (this.stopped) return false;
    if (!record.statistics && schema && needsStatistics(schema)) {
      const onRetry = () => this.d.emit('RUN_EVENT_KIND_ROUND_RETRIED');
      const announce: StatisticsRoundDeps['announce'] = async (a) => {
        await this.d.announce(statisticsAnnouncement(this.announcementSource, a));
        this.d.emit('RUN_EVENT_KIND_ROUND_STARTED');
      };
      this.statisticsRound = new StatisticsRound({ ...this.d, schema, eligible: this.eligible, announce, onRetry });
      const gathered = await this.statisticsRound.gather();
      this.statisticsRound = undefined;
      if (!gathered) return false;
      await record.setStatistics(gathered);
      this.spec = undefined; // its hash changes: clients fetch it again
      logger.info({ sites: gathered.sites, rows: gathered.rows }, 'feature statistics gathered');
      this.d.emit('RUN_EVENT_KIND_ROUND_COMPLETED');
    }
    if (record.statistics) this.model.useStatistics(record.statistics);
    return true;
  }

  /**
   * A selected site's feature statistics (StatisticsRound.submit).
   * @throws {RoundClosedError} when the run is not in round 0, and see StatisticsRound.submit
   */
  submitStatistics(s: SiteStatistics): StatisticsAck {
    if (this.statisticsRound) return this.statisticsRound.submit(s);
    const { runId, record } = this.d;
    throw new RoundClosedError(
      `run ${runId} is not gathering feature statistics (round 0): it is ${record.state}, at round ${record.currentRound}`,
      { runId, clientId: s.clientId, round: record.currentRound },
    );
  }

  /** The run stops: round 0 closes, or never opens. */
  stop(): void {
    this.stopped = true;
    this.statisticsRound?.stop();
  }
}
