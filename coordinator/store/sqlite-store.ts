import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { FeatureStatistics, RoundSummary, RunStateName } from '../../shared/proto/index.js';
import { ConfigError, DataError } from '../../shared/errors/index.js';
import { readCheckpoint, writeCheckpoint, type Checkpoint } from './checkpoint.js';
import { KEEP_CHECKPOINTS, reviveNaN, type RunStore, type StoredRun } from './store.js';

/**
 * The layout of state.db, one migration per version (SQLite `user_version` says which ones ran): 1 runs and their
 * rounds; 2 each run's feature statistics (issue 15); 3 each run's reserved dispatch batch ids (0 in older runs).
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS runs (
     run_id TEXT PRIMARY KEY, config_json TEXT NOT NULL, state TEXT NOT NULL, error TEXT NOT NULL DEFAULT '',
     started_ms INTEGER NOT NULL, finished_ms INTEGER NOT NULL DEFAULT 0);
   CREATE TABLE IF NOT EXISTS rounds (
     run_id TEXT NOT NULL REFERENCES runs(run_id), round INTEGER NOT NULL, summary_json TEXT NOT NULL,
     PRIMARY KEY (run_id, round));`,
  `CREATE TABLE statistics (run_id TEXT PRIMARY KEY REFERENCES runs(run_id), statistics_json TEXT NOT NULL);`,
  `ALTER TABLE runs ADD COLUMN dispatch_ids_reserved INTEGER NOT NULL DEFAULT 0;`,
];

/**
 * Durable coordinator state of one machine, in `dir`: runs and completed rounds in SQLite (`state.db`, WAL,
 * synchronous=FULL) and one model checkpoint per completed round in `checkpoints/<runId>/round-<k>.ckpt`. A round
 * counts as completed once its row is committed, which happens after its checkpoint is on disk — so after a crash the
 * last committed round always has its checkpoint. Not shared between coordinators: writes are not fenced.
 */
export class SqliteRunStore implements RunStore {
  readonly kind = 'sqlite';
  readonly location: string;
  private readonly db: Database.Database;

  /** Opens (creating when needed) the state in `dir`. @throws the SQLite or file-system error. */
  constructor(private readonly dir: string) {
    this.location = dir;
    mkdirSync(join(dir, 'checkpoints'), { recursive: true });
    this.db = new Database(join(dir, 'state.db'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.migrate();
  }

  /**
   * Brings state.db to this build's layout (a store of an older build gains what it lacks; nothing is lost).
   * @throws {ConfigError} when a newer build wrote it.
   */
  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version > MIGRATIONS.length) {
      throw new ConfigError(
        `${join(this.dir, 'state.db')} has layout version ${version}, a newer fedsift's; this one reads up to ` +
          `${MIGRATIONS.length}: run the newer fedsift, or use another state directory`,
        { field: 'stateDir' },
      );
    }
    this.db.transaction(() => {
      for (const sql of MIGRATIONS.slice(version)) this.db.exec(sql);
      this.db.pragma(`user_version = ${MIGRATIONS.length}`);
    })();
  }

  /** Records a new run. @throws the SQLite error (e.g. a duplicate run id). */
  async createRun(runId: string, configJson: string, state: RunStateName, startedUnixMs: number): Promise<void> {
    this.db
      .prepare('INSERT INTO runs (run_id, config_json, state, started_ms) VALUES (?, ?, ?, ?)')
      .run(runId, configJson, state, startedUnixMs);
  }

  /** Records a state change (RUNNING, or a final state with its error and time). */
  async setState(runId: string, state: RunStateName, error = '', finishedUnixMs = 0): Promise<void> {
    this.db
      .prepare('UPDATE runs SET state = ?, error = ?, finished_ms = ? WHERE run_id = ?')
      .run(state, error, finishedUnixMs, runId);
  }

  /**
   * Makes a completed round durable: checkpoint file first (atomic; model bytes + server state, 4 bytes per value),
   * then its row; prunes checkpoints older than the last two. @throws the file-system or SQLite error (disk full…).
   */
  async commitRound(runId: string, summary: RoundSummary, checkpoint: Checkpoint): Promise<void> {
    const dir = join(this.dir, 'checkpoints', runId);
    mkdirSync(dir, { recursive: true });
    writeCheckpoint(this.checkpointPath(runId, summary.round), checkpoint);
    this.db
      .prepare('INSERT INTO rounds (run_id, round, summary_json) VALUES (?, ?, ?)')
      .run(runId, summary.round, JSON.stringify(summary));
    const old = summary.round - KEEP_CHECKPOINTS;
    if (old >= 1) rmSync(this.checkpointPath(runId, old), { force: true });
  }

  /**
   * Records that a run may hand out dispatch batch ids up to `through` (never lowering the mark).
   * @throws {Error} when the store holds no such run (nothing would be reserved).
   */
  async reserveDispatchIds(runId: string, through: number): Promise<void> {
    const { changes } = this.db
      .prepare('UPDATE runs SET dispatch_ids_reserved = MAX(dispatch_ids_reserved, ?) WHERE run_id = ?')
      .run(through, runId);
    if (changes !== 1) throw new Error(`cannot reserve dispatch ids: the store holds no run ${runId}`);
  }

  /** Records a run's global feature statistics, gathered in its round 0 (a resumed run does not gather them again). */
  async saveStatistics(runId: string, statistics: FeatureStatistics): Promise<void> {
    this.db
      .prepare('INSERT OR REPLACE INTO statistics (run_id, statistics_json) VALUES (?, ?)')
      .run(runId, JSON.stringify(statistics));
  }

  /** Every stored run with its completed rounds and statistics, oldest first. */
  async runs(): Promise<StoredRun[]> {
    const rows = this.db
      .prepare(
        `SELECT run_id, config_json, state, error, started_ms, finished_ms, dispatch_ids_reserved
         FROM runs ORDER BY started_ms, run_id`,
      )
      .all() as {
      run_id: string;
      config_json: string;
      state: RunStateName;
      error: string;
      started_ms: number;
      finished_ms: number;
      dispatch_ids_reserved: number;
    }[];
    const rounds = this.db.prepare('SELECT summary_json FROM rounds WHERE run_id = ? ORDER BY round');
    const statistics = this.db.prepare('SELECT statistics_json FROM statistics WHERE run_id = ?');
    return rows.map((r) => {
      const stored = statistics.get(r.run_id) as { statistics_json: string } | undefined;
      return {
        runId: r.run_id,
        configJson: r.config_json,
        state: r.state,
        error: r.error,
        startedUnixMs: r.started_ms,
        finishedUnixMs: r.finished_ms,
        rounds: (rounds.all(r.run_id) as { summary_json: string }[]).map(
          (x) => JSON.parse(x.summary_json, reviveNaN) as RoundSummary,
        ),
        ...(stored && { statistics: JSON.parse(stored.statistics_json, reviveNaN) as FeatureStatistics }),
        dispatchIdsReserved: r.dispatch_ids_reserved,
      };
    });
  }

  /** The checkpoint of a run's round. @throws {DataError} when it is missing or damaged. */
  async checkpoint(runId: string, round: number): Promise<Checkpoint> {
    const path = this.checkpointPath(runId, round);
    if (!existsSync(path)) throw new DataError(`checkpoint of round ${round} of run ${runId} is missing (${path})`);
    return readCheckpoint(path);
  }

  async close(): Promise<void> {
    this.db.close();
  }

  private checkpointPath(runId: string, round: number): string {
    return join(this.dir, 'checkpoints', runId, `round-${round}.ckpt`);
  }
}
