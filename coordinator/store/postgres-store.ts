import type { FeatureStatistics, RoundSummary, RunStateName } from '../../shared/proto/index.js';
import type { Checkpoint } from './checkpoint.js';
import type { PgDatabase } from './postgres-pool.js';
import type { FencingToken, RunStore, StoredRun } from './store.js';

/**
 * SPINE STUB (helper A implements). Coordinator state in PostgreSQL, shared by a leader and its standbys.
 * `fence`: undefined = unfenced (a store no other coordinator writes); a function = every write runs in a
 * transaction that first locks the lease row (`SELECT … FROM leader_lease WHERE id = 1 FOR SHARE`) and rejects with
 * LeadershipLostError, writing nothing, when fence() is null or its holder/generation is not the row's; rounds rows
 * record the generation they were committed under.
 */
export class PostgresRunStore implements RunStore {
  readonly kind = 'postgres';
  readonly location = '';
  /** Opens the store on a migrated database (migratePostgres). */
  static open(_db: PgDatabase, _fence?: () => FencingToken | null): Promise<PostgresRunStore> {
    throw new Error('spine stub');
  }
  createRun(_runId: string, _configJson: string, _state: RunStateName, _startedUnixMs: number): Promise<void> {
    throw new Error('spine stub');
  }
  setState(_runId: string, _state: RunStateName, _error: string, _finishedUnixMs: number): Promise<void> {
    throw new Error('spine stub');
  }
  commitRound(_runId: string, _summary: RoundSummary, _checkpoint: Checkpoint): Promise<void> {
    throw new Error('spine stub');
  }
  saveStatistics(_runId: string, _statistics: FeatureStatistics): Promise<void> {
    throw new Error('spine stub');
  }
  runs(): Promise<StoredRun[]> {
    throw new Error('spine stub');
  }
  checkpoint(_runId: string, _round: number): Promise<Checkpoint> {
    throw new Error('spine stub');
  }
  close(): Promise<void> {
    throw new Error('spine stub');
  }
}
