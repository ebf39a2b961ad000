import type { FeatureStatistics, RoundSummary, RunStateName } from '../../shared/proto/index.js';
import { DataError } from '../../shared/errors/index.js';
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint } from './checkpoint.js';
import { pgFailure, type PgDatabase } from './postgres-pool.js';
import { migratePostgres } from './postgres-schema.js';
import { fencedTransaction, type WriteQuery } from './postgres-fencing.js';
import { KEEP_CHECKPOINTS, reviveNaN, type FencingToken, type RunStore, type StoredRun } from './store.js';

/** A row of runs(): BIGINT columns arrive as strings, `rounds` as the summaries' JSON in order. */
interface RunRow {
  run_id: string;
  config_json: string;
  state: RunStateName;
  error: string;
  started_ms: string;
  finished_ms: string;
  statistics_json: string | null;
  dispatch_ids_reserved: string;
  rounds: string[];
}

/**
 * Coordinator state in PostgreSQL (tables of migratePostgres), shared by a leader and its standbys: runs with their
 * feature statistics, rounds (each with the lease generation it was committed under), and the checkpoint bytes of
 * each run's last {@link KEEP_CHECKPOINTS} rounds (checkpoint.ts layout).
 *
 * Fencing: without `fence` the store writes unchecked (generation 0 recorded; for a store no other coordinator
 * writes). With it, every write is one transaction that first locks the lease row FOR SHARE and rejects with
 * LeadershipLostError, writing nothing, when fence() is null or is not the row's holder and generation. A take-over
 * updates that row, so it waits for a commit in flight, and every later write of the old leader is refused.
 *
 * The pool belongs to the caller (the coordinator shares it with its leader lease): close() does not end it; end
 * it after closing the store. Reads are not fenced (a standby may read).
 */
export class PostgresRunStore implements RunStore {
  readonly kind = 'postgres';
  readonly location: string;

  private constructor(
    private readonly db: PgDatabase,
    private readonly fence: (() => FencingToken | null) | undefined,
  ) {
    this.location = db.location;
  }

  /**
   * Migrates the database (migratePostgres) and opens the store on it; `fence` gives the lease the writes are made
   * under (null: this coordinator does not hold it), undefined for an unfenced store.
   * @throws {ServiceUnavailableError} when PostgreSQL cannot be reached; {ConfigError} when a newer fedsift wrote
   * the schema.
   */
  static async open(db: PgDatabase, fence?: () => FencingToken | null): Promise<PostgresRunStore> {
    try {
      await migratePostgres(db.pool, db.schema);
    } catch (err) {
      throw pgFailure(err, `migrating ${db.location}`);
    }
    return new PostgresRunStore(db, fence);
  }

  /** Records a new run. Rejects on a duplicate run id (PostgreSQL's unique violation, 23505). */
  createRun(runId: string, configJson: string, state: RunStateName, startedUnixMs: number): Promise<void> {
    return this.write(`recording run ${runId}`, (q) =>
      q('INSERT INTO runs (run_id, config_json, state, started_ms) VALUES ($1, $2, $3, $4)', [
        runId,
        configJson,
        state,
        startedUnixMs,
      ]),
    );
  }

  /** Records a state change (RUNNING, or a final state with its error and time). */
  setState(runId: string, state: RunStateName, error = '', finishedUnixMs = 0): Promise<void> {
    return this.write(`recording the state of run ${runId}`, (q) =>
      q('UPDATE runs SET state = $2, error = $3, finished_ms = $4 WHERE run_id = $1', [
        runId,
        state,
        error,
        finishedUnixMs,
      ]),
    );
  }

  /**
   * Makes a completed round durable in one transaction: its rounds row (with the lease generation), its checkpoint
   * bytes, and the deletion of checkpoints older than the last {@link KEEP_CHECKPOINTS}.
   */
  commitRound(runId: string, summary: RoundSummary, checkpoint: Checkpoint): Promise<void> {
    const bytes = Buffer.concat(encodeCheckpoint(checkpoint));
    return this.write(`committing round ${summary.round} of run ${runId}`, async (q, generation) => {
      await q(
        // A plain INSERT: a round is committed once; a second commit of it (a stale writer) is refused.
        'INSERT INTO rounds (run_id, round, summary_json, generation) VALUES ($1, $2, $3, $4)',
        [runId, summary.round, JSON.stringify(summary), generation],
      );
      await q(
        `INSERT INTO checkpoints (run_id, round, data) VALUES ($1, $2, $3)
         ON CONFLICT (run_id, round) DO UPDATE SET data = EXCLUDED.data`,
        [runId, summary.round, bytes],
      );
      await q('DELETE FROM checkpoints WHERE run_id = $1 AND round <= $2', [runId, summary.round - KEEP_CHECKPOINTS]);
    });
  }

  /**
   * Records that a run may hand out dispatch batch ids up to `through` (never lowering the mark).
   * @throws {Error} when the store holds no such run (nothing would be reserved).
   */
  reserveDispatchIds(runId: string, through: number): Promise<void> {
    return this.write(`reserving dispatch ids of run ${runId}`, async (q) => {
      const { rowCount } = (await q(
        'UPDATE runs SET dispatch_ids_reserved = GREATEST(dispatch_ids_reserved, $2) WHERE run_id = $1',
        [runId, through],
      )) as { rowCount: number | null };
      if (rowCount !== 1) throw new Error(`cannot reserve dispatch ids: the store holds no run ${runId}`);
    });
  }

  /** Records a run's global feature statistics, gathered in its round 0. */
  saveStatistics(runId: string, statistics: FeatureStatistics): Promise<void> {
    return this.write(`recording the feature statistics of run ${runId}`, (q) =>
      q('UPDATE runs SET statistics_json = $2 WHERE run_id = $1', [runId, JSON.stringify(statistics)]),
    );
  }

  /** Every stored run with its completed rounds and statistics, oldest first: one statement, one snapshot. */
  async runs(): Promise<StoredRun[]> {
    try {
      const { rows } = await this.db.pool.query<RunRow>(
        `SELECT run_id, config_json, state, error, started_ms, finished_ms, statistics_json, dispatch_ids_reserved,
           ARRAY(SELECT summary_json FROM rounds WHERE rounds.run_id = runs.run_id ORDER BY round) AS rounds
         FROM runs ORDER BY started_ms, run_id COLLATE "C"`,
      );
      return rows.map((r) => ({
        runId: r.run_id,
        configJson: r.config_json,
        state: r.state,
        error: r.error,
        startedUnixMs: Number(r.started_ms),
        finishedUnixMs: Number(r.finished_ms),
        rounds: r.rounds.map((json) => JSON.parse(json, reviveNaN) as RoundSummary),
        ...(r.statistics_json !== null && {
          statistics: JSON.parse(r.statistics_json, reviveNaN) as FeatureStatistics,
        }),
        dispatchIdsReserved: Number(r.dispatch_ids_reserved),
      }));
    } catch (err) {
      throw pgFailure(err, 'reading the runs');
    }
  }

  /** The checkpoint of a run's round. @throws {DataError} when it is missing or damaged. */
  async checkpoint(runId: string, round: number): Promise<Checkpoint> {
    const what = `checkpoint of round ${round} of run ${runId}`;
    let data: Buffer | undefined;
    try {
      const { rows } = await this.db.pool.query<{ data: Buffer }>(
        'SELECT data FROM checkpoints WHERE run_id = $1 AND round = $2',
        [runId, round],
      );
      data = rows[0]?.data;
    } catch (err) {
      throw pgFailure(err, `reading the ${what}`);
    }
    if (!data) throw new DataError(`${what} is missing (${this.location})`);
    return decodeCheckpoint(data, `${what} (${this.location})`);
  }

  /** Nothing to release: the store holds no connection between calls, and the caller ends the pool. */
  async close(): Promise<void> {}

  /** Runs `work` in a transaction fenced by this store's lease (see the class); errors mapped by pgFailure. */
  private write(what: string, work: (query: WriteQuery, generation: number) => Promise<unknown>): Promise<void> {
    return fencedTransaction(this.db.pool, this.fence, work).catch((err: unknown) => {
      throw pgFailure(err, what);
    });
  }
}
