export { SqliteRunStore } from './sqlite-store.js';
export { PostgresRunStore } from './postgres-store.js';
export { openPgDatabase, type PgDatabase } from './postgres-pool.js';
export { migratePostgres, PG_MIGRATIONS } from './postgres-schema.js';
export type { FencingToken, RunStore, StoredRun } from './store.js';
export {
  writeCheckpoint,
  readCheckpoint,
  encodeCheckpoint,
  decodeCheckpoint,
  type Checkpoint,
  type AsyncCheckpoint,
} from './checkpoint.js';
