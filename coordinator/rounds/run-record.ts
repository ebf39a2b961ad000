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
 * resumed one continues its stored record), so a coordinator restart finds every run as it was. Store writes throw what the store throws (SQLite
 * errors), from the constructor, markRunning, setStatistics, commitRound and finish alike.
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
    if (!stored) deps.store?.createRun(deps.runId, JSON.stringify(deps.config), this.stateValue, this.startedMs);
    else {
      this.rounds.push(...stored.rounds);
      this.currentRound = stored.rounds.length;
      this.statisticsValue = stored.statistics;
      if (isFinalRunState(stored.state))
        [this.stateValue, this.error, this.finishedMs] = [stored.state, stored.error, stored.finishedUnixMs];
    }
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
  setStatistics(statistics: FeatureStatistics): void {
    this.deps.store?.saveStatistics(this.deps.runId, statistics);
    this.statisticsValue = statistics;
  }

  /** Enough clients are live: the run is running. */
  markRunning(): void {
    this.stateValue = 'RUN_STATE_RUNNING';
    this.deps.store?.setState(this.deps.runId, this.stateValue);
  }

  /** A round completed: its summary and checkpoint are committed together. */
  commitRound(summary: RoundSummary, checkpoint: Checkpoint): void {
    this.deps.store?.commitRound(this.deps.runId, summary, checkpoint);
    this.rounds.push(summary);
  }

  /**
   * Ends the run in `state` with `error` ('' when none). A run stopped by a coordinator shutdown (`shutDown`) stays
   * resumable as SUSPENDED when there is a store (nothing is written: the stored record still says running), and says
   * it cannot resume without one; a run that completed or failed meanwhile is recorded as such.
   * @returns the state and error recorded.
   */
  finish(state: RunStateName, error: string, shutDown: boolean): { state: RunStateName; error: string } {
    const suspended = shutDown && state === 'RUN_STATE_STOPPED';
    if (suspended && this.deps.store) state = 'RUN_STATE_SUSPENDED';
    else if (suspended && !error)
      error = 'the coordinator shut down, and without a state directory the run cannot resume';
    this.stateValue = state;
    this.error = error;
    this.finishedMs = this.deps.clock.now();
    if (state !== 'RUN_STATE_SUSPENDED') this.deps.store?.setState(this.deps.runId, state, error, this.finishedMs);
    return { state, error };
  }
}
