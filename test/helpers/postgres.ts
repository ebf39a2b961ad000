import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The PostgreSQL every developer and CI machine runs (trust auth, database `test`). */
export const TEST_PG_URL = process.env.FEDSIFT_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A schema of its own for one test: `url` points the coordinator at it; `drop()` removes it and all it holds. */
export interface TestSchema {
  schema: string;
  url: string;
  drop(): Promise<void>;
}

/** Names a fresh schema (created by the coordinator's migration on first use). */
export function testSchema(): TestSchema {
  const schema = `fedsift_test_${randomBytes(6).toString('hex')}`;
  return {
    schema,
    url: `${TEST_PG_URL}?schema=${schema}`,
    async drop() {
      const client = new pg.Client({ connectionString: TEST_PG_URL });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}
