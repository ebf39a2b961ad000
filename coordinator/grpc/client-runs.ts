import type {
  EvaluationReport,
  RunSpec,
  SecAggAttemptRef,
  SiteRun,
  SiteStatistics,
  StatisticsAck,
  UpdateHeader,
} from '../../shared/proto/index.js';
import type { EncodedModel, UpdateReceiver } from '../rounds/index.js';
import type { SecAggAttempt } from '../secagg/index.js';

/**
 * What a client's calls reach of one run: the coordinator's RunController, or an aggregator's relay of an upstream
 * run (coordinator/aggregator). Each method throws the FedsiftError its call is answered with (see RunIntake).
 */
export interface ClientRun {
  modelFor(round: number, clientId: string): EncodedModel;
  receiveUpdate(h: UpdateHeader): UpdateReceiver;
  reportEvaluation(r: EvaluationReport): void;
  runSpec(): RunSpec;
  submitStatistics(s: SiteStatistics): StatisticsAck;
  secAggAttempt(ref: SecAggAttemptRef): SecAggAttempt;
}

/** The runs the Coordinator service serves (RunManager; an aggregator's RelayRuns). */
export interface ClientRuns {
  /** @throws {UnknownRunError} for a run it does not have. */
  get(runId: string): ClientRun;
  /** The unfinished runs whose rounds may select a site, as CheckSite (preflight) tells it. */
  siteRuns(): SiteRun[];
}
