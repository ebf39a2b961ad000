import type pg from 'pg';
import { ConfigError } from '../../shared/errors/index.js';
import { inTransaction } from './postgres-pool.js';

/**
 * The layout of fedsift's tables in PostgreSQL, one migration per version (table `schema_version` says which ran):
 * 1 runs, rounds (each commit's lease generation and time), checkpoints (the model bytes of the last rounds,
 * checkpoint.ts layout), and the leader lease (one row); 2 each run's reserved dispatch batch ids (0 in older runs).
 */
export const PG_MIGRATIONS: readonly string[] = [
  `CREATE TABLE runs (
     run_id TEXT PRIMARY KEY, config_json TEXT NOT NULL, state TEXT NOT NULL, error TEXT NOT NULL DEFAULT '',
     started_ms BIGINT NOT NULL, finished_ms BIGINT NOT NULL DEFAULT 0, statistics_json TEXT);
   CREATE TABLE rounds (
     run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE, round INTEGER NOT NULL,
     summary_json TEXT NOT NULL, generation BIGINT NOT NULL,
     committed_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(), PRIMARY KEY (run_id, round));
   CREATE TABLE checkpoints (
     run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE, round INTEGER NOT NULL, data BYTEA NOT NULL,
     PRIMARY KEY (run_id, round));
   CREATE TABLE leader_lease (
     id INTEGER PRIMARY KEY CHECK (id = 1), holder TEXT NOT NULL DEFAULT '', address TEXT NOT NULL DEFAULT '',
     generation BIGINT NOT NULL DEFAULT 0, expires_at TIMESTAMPTZ NOT NULL DEFAULT '-infinity');
   INSERT INTO leader_lease (id) VALUES (1);`,
  `ALTER TABLE runs ADD COLUMN dispatch_ids_reserved BIGINT NOT NULL DEFAULT 0;`,
];

/** Key of the transaction-scoped advisory lock that serialises migrations of coordinators starting together. */
const MIGRATION_LOCK = 0x66_65_64_73; // "feds"

/**
 * Creates `schema` when missing and brings it to this build's layout, in one transaction under an advisory lock (two
 * coordinators starting at once migrate once). Nothing is lost from an older layout.
 * @throws {ConfigError} naming `state` when a newer fedsift wrote the schema; the database's error otherwise.
 */
export async function migratePostgres(pool: pg.Pool, schema: string): Promise<void> {
  await inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    // The migrations name tables unqualified; say where they go, whatever search_path the connection was given.
    await client.query(`SET LOCAL search_path TO ${schema}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${schema}.schema_version (version INTEGER NOT NULL)`);
    const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${schema}.schema_version`);
    const version = rows[0]?.version ?? 0;
    if (version > PG_MIGRATIONS.length)
      throw new ConfigError(
        `PostgreSQL schema ${schema} has layout version ${version}, a newer fedsift's; this one reads up to ` +
          `${PG_MIGRATIONS.length}: run the newer fedsift, or use another schema (?schema=…)`,
        { field: 'state' },
      );
    for (const sql of PG_MIGRATIONS.slice(version)) await client.query(sql);
    await client.query(`DELETE FROM ${schema}.schema_version`);
    await client.query(`INSERT INTO ${schema}.schema_version (version) VALUES ($1)`, [PG_MIGRATIONS.length]);
  });
}
