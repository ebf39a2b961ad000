import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import {
  openPgDatabase,
  PostgresRunStore,
  SqliteRunStore,
  type FencingToken,
  type PgDatabase,
  type RunStore,
} from '../../coordinator/store/index.js';
import { testSchema } from './postgres.js';

/** Durable state of one test that stores open again and again, as restarted coordinators would. */
export interface StoreFixture {
  readonly kind: 'sqlite' | 'postgres';
  /** A store on this state (for PostgreSQL on a pool of its own, unfenced). */
  open(): Promise<RunStore>;
  /** Cuts a stored checkpoint short by 4 bytes, as a torn write or a bad disk would. */
  damageCheckpoint(runId: string, round: number): Promise<void>;
  /** Closes every store (and pool) it opened and removes the state. */
  dispose(): Promise<void>;
}

/** PostgreSQL state of one test, in a schema of its own, with direct SQL for preparing and inspecting it. */
export interface PgStoreFixture extends StoreFixture {
  readonly kind: 'postgres';
  readonly schema: string;
  /** The URL of the schema (test/helpers/postgres.ts). */
  readonly url: string;
  /** A pool on the schema (ended by dispose), as the coordinator opens it. */
  database(url?: string): PgDatabase;
  /** A store on a pool of its own, fenced by `fence` when given. */
  open(fence?: () => FencingToken | null): Promise<PostgresRunStore>;
  /** Runs a statement in the schema. */
  sql<R extends pg.QueryResultRow = Record<string, unknown>>(text: string, values?: unknown[]): Promise<R[]>;
}

/** Generous: a test never waits on it unless a transaction of the code under test is left open (a bug). */
const IDLE_IN_TRANSACTION_MS = 60_000;

/** SQLite state in a fresh temporary directory. */
export function sqliteStoreFixture(): StoreFixture {
  const dir = mkdtempSync(join(tmpdir(), 'fedsift-store-'));
  const stores: RunStore[] = [];
  return {
    kind: 'sqlite',
    async open() {
      const store = new SqliteRunStore(dir);
      stores.push(store);
      return store;
    },
    async damageCheckpoint(runId, round) {
      const path = join(dir, 'checkpoints', runId, `round-${round}.ckpt`);
      writeFileSync(path, readFileSync(path).subarray(0, -4));
    },
    async dispose() {
      for (const s of stores) await s.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** PostgreSQL state in a fresh schema (test/helpers/postgres.ts), dropped by dispose. */
export function postgresStoreFixture(): PgStoreFixture {
  const schema = testSchema();
  const pools: pg.Pool[] = [];
  const stores: RunStore[] = [];
  let admin: PgDatabase | undefined;
  const fixture: PgStoreFixture = {
    kind: 'postgres',
    schema: schema.schema,
    url: schema.url,
    database(url = schema.url) {
      const db = openPgDatabase(url, IDLE_IN_TRANSACTION_MS);
      pools.push(db.pool);
      return db;
    },
    async open(fence) {
      const store = await PostgresRunStore.open(fixture.database(), fence);
      stores.push(store);
      return store;
    },
    async sql<R extends pg.QueryResultRow>(text: string, values: unknown[] = []) {
      admin ??= fixture.database();
      return (await admin.pool.query<R>(text, values)).rows;
    },
    async damageCheckpoint(runId, round) {
      await fixture.sql(
        'UPDATE checkpoints SET data = substring(data FROM 1 FOR length(data) - 4) WHERE run_id = $1 AND round = $2',
        [runId, round],
      );
    },
    async dispose() {
      try {
        for (const s of stores) await s.close();
        await Promise.all(pools.map((p) => p.end()));
      } finally {
        await schema.drop();
      }
    },
  };
  return fixture;
}

/** Every RunStore implementation, for suites that hold each one to the same contract (a fresh fixture per test). */
export const STORE_FIXTURES: readonly { kind: StoreFixture['kind']; create: () => StoreFixture }[] = [
  { kind: 'sqlite', create: sqliteStoreFixture },
  { kind: 'postgres', create: postgresStoreFixture },
];
