import type { FeatureStatistics, RoundSummary, RunStateName } from '../../shared/proto/index.js';
import type { Checkpoint } from './checkpoint.js';

/** A run as stored: enough to list it after a restart and, when unfinished, to resume it. */
export interface StoredRun {
  runId: string;
  configJson: string;
  state: RunStateName;
  error: string;
  startedUnixMs: number;
  finishedUnixMs: number;
  /** Completed rounds, in order. */
  rounds: RoundSummary[];
  /** The run's global feature statistics (round 0); absent when it has none (yet). */
  statistics?: FeatureStatistics;
  /**
   * The highest dispatch batch id the run may have handed out (reserveDispatchIds): a resumed asynchronous run starts
   * after it. 0 when none was reserved (a synchronous run, or state an older fedsift wrote).
   */
  dispatchIdsReserved: number;
}

/**
 * The lease a write is made under: which coordinator holds the lead and the lease's generation (incremented by every
 * take-over). A store shared by several coordinators refuses a write whose generation is no longer the current one.
 */
export interface FencingToken {
  holder: string;
  generation: number;
}

/** Checkpoints kept per run (the newest ones); older ones are deleted when a round commits. */
export const KEEP_CHECKPOINTS = 2;

/**
 * Durable coordinator state: runs, their completed rounds with each round's checkpoint (global model + strategy
 * server state), and round 0's feature statistics. Implemented on SQLite + checkpoint files (one machine) and on
 * PostgreSQL (several coordinators, one leading). A round counts as completed once commitRound resolved: the summary
 * and the checkpoint are then both durable, so a resumed run loses nothing that was completed.
 *
 * Writes are fenced when the store is shared: each takes the current {@link FencingToken} (from the store's `fence`
 * source) and rejects with {@link LeadershipLostError} — writing nothing — when another coordinator has taken the
 * lead since. Rejections otherwise carry the database's error (ServiceUnavailableError when it cannot be reached).
 */
export interface RunStore {
  /** `sqlite` or `postgres`. */
  readonly kind: string;
  /** Where the state is, for logs: a directory, or a postgres URL without its password. */
  readonly location: string;
  /** Records a new run. Rejects on a duplicate run id. */
  createRun(runId: string, configJson: string, state: RunStateName, startedUnixMs: number): Promise<void>;
  /** Records a state change (RUNNING, or a final state with its error and time). */
  setState(runId: string, state: RunStateName, error?: string, finishedUnixMs?: number): Promise<void>;
  /**
   * Makes a completed round durable, summary and checkpoint together (a crash leaves both or neither), and prunes
   * checkpoints older than the last {@link KEEP_CHECKPOINTS}.
   */
  commitRound(runId: string, summary: RoundSummary, checkpoint: Checkpoint): Promise<void>;
  /**
   * Records that an asynchronous run may hand out dispatch batch ids up to `through`; resolves once that is durable.
   * Never lowers the stored mark (a smaller `through` changes nothing).
   */
  reserveDispatchIds(runId: string, through: number): Promise<void>;
  /** Records a run's global feature statistics, gathered in its round 0. */
  saveStatistics(runId: string, statistics: FeatureStatistics): Promise<void>;
  /** Every stored run with its completed rounds and statistics, oldest first. */
  runs(): Promise<StoredRun[]>;
  /** The checkpoint of a run's round. Rejects with DataError when it is missing or damaged. */
  checkpoint(runId: string, round: number): Promise<Checkpoint>;
  /** Releases what the store holds (SQLite: the database file; PostgreSQL: nothing, the caller ends the pool). */
  close(): Promise<void>;
}

/** JSON has no NaN: summaries store it as null (e.g. a round without central evaluation); read it back as NaN. */
export function reviveNaN(_key: string, value: unknown): unknown {
  return value === null ? NaN : value;
}
