import type { Checkpoint } from '../store/index.js';
import {
  isFinalRunState,
  type FeatureStatistics,
  type RoundSummary,
  type RunStateName,
  type RunStatus,
} from '../../shared/proto/index.js';
import type { RunDeps } from './run-deps.js';

/**
 * The record of one run as status and the store see it: state, error, start and end times, completed rounds, the
 * round it is at, the feature statistics of round 0. Written through to the store (a new run is created there; a
 * resumed one continues its stored record), so a coordinator restart finds every run as it was. Store writes reject
 * with what the store rejects with (the database's error, LeadershipLostError when another coordinator took the lead),
 * from create, markRunning, setStatistics and commitRound alike; the record changes only once its write succeeded.
 */
export class RunRecord {
  private stateValue: RunStateName = 'RUN_STATE_WAITING';
  private error = '';
  private readonly startedMs: number;
  private finishedMs = 0;
  /** Summaries of the completed rounds, in order. */
  readonly rounds: RoundSummary[] = [];
  /** The round the run is at (1-based; 0 before the first, and while round 0 gathers the feature statistics). */
  currentRound = 0;
  private statisticsValue: FeatureStatistics | undefined;

  constructor(private readonly deps: Pick<RunDeps, 'runId' | 'config' | 'store' | 'clock' | 'resume'>) {
    const stored = deps.resume?.run;
    this.startedMs = stored?.startedUnixMs ?? deps.clock.now();
    if (stored) {
      this.rounds.push(...stored.rounds);
      this.currentRound = stored.rounds.length;
      this.statisticsValue = stored.statistics;
      if (isFinalRunState(stored.state))
        [this.stateValue, this.error, this.finishedMs] = [stored.state, stored.error, stored.finishedUnixMs];
    }
  }

  /** Records a new run in the store (a resumed run is there already). */
  async create(): Promise<void> {
    if (this.deps.resume) return;
    const { store, runId, config } = this.deps;
    await store?.createRun(runId, JSON.stringify(config), this.stateValue, this.startedMs);
  }

  get state(): RunStateName {
    return this.stateValue;
  }

  get isFinished(): boolean {
    return isFinalRunState(this.stateValue);
  }

  /** The run's status as the Admin service and the dashboard show it. */
  status(connectedClients: number): RunStatus {
    const { config, runId } = this.deps;
    return {
      runId,
      state: this.stateValue,
      currentRound: this.currentRound,
      totalRounds: config.rounds,
      rounds: [...this.rounds],
      configJson: JSON.stringify(config),
      error: this.error,
      startedUnixMs: this.startedMs,
      finishedUnixMs: this.finishedMs,
      connectedClients,
      ...(this.statisticsValue && { featureStatistics: this.statisticsValue }),
    };
  }

  /** The run's global feature statistics (round 0), stored or gathered; undefined when it has none yet. */
  get statistics(): FeatureStatistics | undefined {
    return this.statisticsValue;
  }

  /** Round 0 gathered the feature statistics: they are stored with the run (a resumed run keeps them). */
  async setStatistics(statistics: FeatureStatistics): Promise<void> {
    await this.deps.store?.saveStatistics(this.deps.runId, statistics);
    this.statisticsValue = statistics;
  }

  /** Enough clients are live: the run is running. */
  async markRunning(): Promise<void> {
    await this.deps.store?.setState(this.deps.runId, 'RUN_STATE_RUNNING');
    this.stateValue = 'RUN_STATE_RUNNING';
  }

  /** A round completed: its summary and checkpoint are committed together. */
  async commitRound(summary: RoundSummary, checkpoint: Checkpoint): Promise<void> {
    await this.deps.store?.commitRound(this.deps.runId, summary, checkpoint);
    this.rounds.push(summary);
  }

  /**
   * Ends the run in `state` with `error` ('' when none). A run stopped by a coordinator shutdown (`shutDown`) stays
   * resumable as SUSPENDED when there is a store (nothing is written: the stored record still says running), and says
   * it cannot resume without one; a run that completed or failed meanwhile is recorded as such.
   * @returns the state and error recorded, and the store's write of them (nothing to write for SUSPENDED).
   */
  finish(
    state: RunStateName,
    error: string,
    shutDown: boolean,
  ): { state: RunStateName; error: string; written: Promise<void> } {
    const suspended = shutDown && state === 'RUN_STATE_STOPPED';
    if (suspended && this.deps.store) state = 'RUN_STATE_SUSPENDED';
    else if (suspended && !error)
      error = 'the coordinator shut down, and without a state directory the run cannot resume';
    this.stateValue = state;
    this.error = error;
    this.finishedMs = this.deps.clock.now();
    const written =
      state === 'RUN_STATE_SUSPENDED'
        ? Promise.resolve()
        : (this.deps.store?.setState(this.deps.runId, state, error, this.finishedMs) ?? Promise.resolve());
    return { state, error, written };
  }
}
