export { SqliteRunStore } from './sqlite-store.js';
export { PostgresRunStore } from './postgres-store.js';
export { openPgDatabase, pgFailure, inTransaction, DEFAULT_PG_SCHEMA, type PgDatabase } from './postgres-pool.js';
export { migratePostgres, PG_MIGRATIONS } from './postgres-schema.js';
export { KEEP_CHECKPOINTS, type FencingToken, type RunStore, type StoredRun } from './store.js';
export { writeCheckpoint, readCheckpoint, encodeCheckpoint, decodeCheckpoint, type Checkpoint } from './checkpoint.js';
