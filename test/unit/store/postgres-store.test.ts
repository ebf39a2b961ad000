import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type pg from 'pg';
import { PG_MIGRATIONS, PostgresRunStore, type FencingToken } from '../../../coordinator/store/index.js';
import { ConfigError, LeadershipLostError, ServiceUnavailableError } from '../../../shared/errors/index.js';
import { waitFor } from '../../helpers/coordinators.js';
import { fedsiftError } from '../../helpers/fedsift-errors.js';
import { freePort } from '../../helpers/processes.js';
import { postgresStoreFixture, type PgStoreFixture } from '../../helpers/run-stores.js';
import { TEST_STATISTICS, testCheckpoint, testSummary } from '../../helpers/store-records.js';
import { startTcpRelay } from '../../helpers/tcp-relay.js';

/** The schema's URL with the server's host and port replaced. */
function urlVia(f: PgStoreFixture, host: string, port: number): string {
  const url = new URL(f.url);
  url.hostname = host;
  url.port = String(port);
  return url.toString();
}

describe('PostgreSQL run store', () => {
  let f: PgStoreFixture;
  let cleanups: (() => Promise<void>)[];
  beforeEach(() => {
    f = postgresStoreFixture();
    cleanups = [];
  });
  afterEach(async () => {
    for (const cleanup of cleanups) await cleanup();
    await f.dispose();
  });

  /** What the tables hold, in order: runs, rounds with their generation, checkpoint rounds. */
  async function tables(): Promise<unknown> {
    return {
      runs: await f.sql('SELECT run_id, state, statistics_json FROM runs ORDER BY run_id'),
      rounds: await f.sql('SELECT run_id, round, generation FROM rounds ORDER BY run_id, round'),
      checkpoints: await f.sql('SELECT run_id, round FROM checkpoints ORDER BY run_id, round'),
    };
  }

  /** Sets the lease row as a leader's acquisition would. */
  async function holdLease(holder: string, generation: number): Promise<void> {
    await f.sql('UPDATE leader_lease SET holder = $1, generation = $2 WHERE id = 1', [holder, generation]);
  }

  /**
   * A connection of its own on the schema, closed after the test (so a transaction a failed test left open ends with
   * it); `pid` is its server process.
   */
  async function connection(): Promise<{ client: pg.PoolClient; pid: number }> {
    const client = await f.database().pool.connect();
    cleanups.push(async () => client.release(true));
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    return { client, pid: rows[0]!.pid };
  }

  /**
   * Holds a round's rounds key in an open test transaction, so that a store's commit of that round, once it has
   * locked the lease row, waits at its insert. `waitingCommit()` resolves with the server process of that commit once
   * it waits; `release()` rolls the test transaction back and lets it go on.
   */
  async function holdRoundKey(runId: string, round: number) {
    const { client, pid } = await connection();
    await client.query('BEGIN');
    await client.query(`INSERT INTO rounds (run_id, round, summary_json, generation) VALUES ($1, $2, '{}', 0)`, [
      runId,
      round,
    ]);
    return {
      waitingCommit: () =>
        waitFor('a commit to wait for the test transaction', async () => {
          const rows = await f.sql<{ pid: number }>(
            'SELECT pid FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))',
            [pid],
          );
          return rows[0]?.pid;
        }),
      release: () => client.query('ROLLBACK'),
    };
  }

  /** A relay to the test's PostgreSQL, and a pool through it; `relay.cut()` plays the database going away. */
  async function relayedDatabase() {
    const server = new URL(f.url);
    const relay = await startTcpRelay(server.hostname, Number(server.port || 5432));
    cleanups.push(() => relay.cut());
    return { relay, db: f.database(urlVia(f, '127.0.0.1', relay.port)) };
  }

  describe('migration', () => {
    it('migrates a fresh schema once when several coordinators open it at the same time', async () => {
      // Execute
      const stores = await Promise.all([1, 2, 3, 4].map(() => f.open()));

      // Assert
      assert.equal(stores.length, 4);
      assert.deepEqual(await f.sql('SELECT version FROM schema_version'), [{ version: PG_MIGRATIONS.length }]);
      assert.deepEqual(await f.sql('SELECT id, holder, generation FROM leader_lease'), [
        { id: 1, holder: '', generation: '0' },
      ]);
    });

    it("brings an older build's schema (layout 1) to this layout without losing its runs", async () => {
      // Prepare: the schema as fedsift wrote it before reserved dispatch ids, with one run
      await f.sql(`CREATE SCHEMA ${f.schema}`);
      await f.sql(PG_MIGRATIONS[0]!);
      await f.sql(`CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (1);
        INSERT INTO runs (run_id, config_json, state, started_ms) VALUES ('run-old', '{}', 'RUN_STATE_RUNNING', 5);`);

      // Execute
      const store = await f.open();
      const [run] = await store.runs();
      await store.reserveDispatchIds('run-old', 64);
      const [reserved] = await store.runs();

      // Assert
      assert.deepEqual([run?.runId, run?.state, run?.dispatchIdsReserved], ['run-old', 'RUN_STATE_RUNNING', 0]);
      assert.equal(reserved?.dispatchIdsReserved, 64);
      assert.deepEqual(await f.sql('SELECT version FROM schema_version'), [{ version: PG_MIGRATIONS.length }]);
    });

    it('refuses a schema a newer fedsift wrote, naming the schema, and leaves it as it was', async () => {
      // Prepare
      await f.open();
      await f.sql('UPDATE schema_version SET version = 99');

      // Execute, Assert
      await assert.rejects(
        f.open(),
        fedsiftError(
          ConfigError,
          new RegExp(
            `PostgreSQL schema ${f.schema} has layout version 99, a newer fedsift's; this one reads up to ` +
              `${PG_MIGRATIONS.length}`,
          ),
        ),
      );
      assert.deepEqual(await f.sql('SELECT version FROM schema_version'), [{ version: 99 }]);
    });
  });

  describe('fencing', () => {
    it('records the lease generation a round was committed under; an unfenced store records 0', async () => {
      // Prepare
      const fenced = await f.open(() => ({ holder: 'coord-a', generation: 7 }));
      const unfenced = await f.open();
      await holdLease('coord-a', 7);

      // Execute
      await fenced.createRun('run-a', '{}', 'RUN_STATE_RUNNING', 1000);
      await fenced.commitRound('run-a', testSummary(1), testCheckpoint(1));
      await unfenced.commitRound('run-a', testSummary(2), testCheckpoint(2));

      // Assert
      assert.deepEqual(await f.sql('SELECT round, generation FROM rounds ORDER BY round'), [
        { round: 1, generation: '7' },
        { round: 2, generation: '0' },
      ]);
    });

    it('refuses every write under a stale lease generation and writes nothing', async () => {
      // Prepare: coord-a leads in generation 7 and commits round 1; then the lease moves on to generation 8.
      const store = await f.open(() => ({ holder: 'coord-a', generation: 7 }));
      await holdLease('coord-a', 7);
      await store.createRun('run-a', '{}', 'RUN_STATE_WAITING', 1000);
      await store.commitRound('run-a', testSummary(1), testCheckpoint(1));
      const before = await tables();
      await f.sql('UPDATE leader_lease SET generation = generation + 1 WHERE id = 1');

      // Execute
      const refusals = [];
      for (const write of [
        () => store.createRun('run-b', '{}', 'RUN_STATE_WAITING', 2000),
        () => store.setState('run-a', 'RUN_STATE_FAILED', 'boom', 3000),
        () => store.commitRound('run-a', testSummary(2), testCheckpoint(2)),
        () => store.saveStatistics('run-a', TEST_STATISTICS),
      ])
        refusals.push(
          await write().then(
            () => undefined,
            (err: unknown) => err,
          ),
        );

      // Assert
      const stale = /leader lease is now coord-a's, generation 8, not coord-a's generation 7/;
      assert.deepEqual(
        refusals.map((err) => fedsiftError(LeadershipLostError, stale)(err)),
        [true, true, true, true],
        String(refusals),
      );
      assert.deepEqual(await tables(), before);
      assert.deepEqual(before, {
        runs: [{ run_id: 'run-a', state: 'RUN_STATE_WAITING', statistics_json: null }],
        rounds: [{ run_id: 'run-a', round: 1, generation: '7' }],
        checkpoints: [{ run_id: 'run-a', round: 1 }],
      });
    });

    it('refuses a write when the coordinator does not hold the lease, or another coordinator does', async () => {
      // Prepare
      let token: FencingToken | null = { holder: 'coord-a', generation: 3 };
      const store = await f.open(() => token);
      await holdLease('coord-a', 3);
      await store.createRun('run-a', '{}', 'RUN_STATE_RUNNING', 1000);
      const before = await tables();

      // Execute
      token = null;
      const withoutLease = store.commitRound('run-a', testSummary(1), testCheckpoint(1));
      await assert.rejects(withoutLease, fedsiftError(LeadershipLostError, /does not hold the leader lease/));
      token = { holder: 'coord-b', generation: 3 };
      const otherHolder = store.commitRound('run-a', testSummary(1), testCheckpoint(1));

      // Assert
      await assert.rejects(
        otherHolder,
        fedsiftError(LeadershipLostError, /now coord-a's, generation 3, not coord-b's/),
      );
      assert.deepEqual(await tables(), before);
    });

    it('a take-over while a commit writes rolls the commit back, and never waits for its checkpoint', async () => {
      // Prepare: coord-a leads in generation 3. A test transaction holds round 1's rounds key, so coord-a's commit
      // of round 1 stops in the middle of its writes, before it checks the lease.
      const store = await f.open(() => ({ holder: 'coord-a', generation: 3 }));
      await holdLease('coord-a', 3);
      await store.createRun('run-t', '{}', 'RUN_STATE_RUNNING', 1000);
      const held = await holdRoundKey('run-t', 1);
      const taker = await connection();
      const commit = store.commitRound('run-t', testSummary(1), testCheckpoint(1));
      await held.waitingCommit();

      // Execute: a standby takes the lease over while the commit is in flight; then the commit goes on.
      await taker.client.query(`UPDATE leader_lease SET holder = 'coord-b', generation = generation + 1 WHERE id = 1`);
      await held.release();

      // Assert: the take-over did not wait for the commit (it returned above); the commit saw it and wrote nothing.
      await assert.rejects(commit, fedsiftError(LeadershipLostError, /now coord-b's, generation 4, not coord-a's/));
      assert.deepEqual(await f.sql('SELECT round, generation FROM rounds'), []);
      assert.deepEqual(await f.sql('SELECT round FROM checkpoints'), []);
    });

    it('refuses a second commit of a round: a stale writer cannot overwrite the round another leader committed', async () => {
      // Prepare
      const store = await f.open();
      await store.createRun('run-d', '{}', 'RUN_STATE_RUNNING', 1000);
      await store.commitRound('run-d', testSummary(1), testCheckpoint(1));

      // Execute + Assert
      await assert.rejects(store.commitRound('run-d', { ...testSummary(1), trainLoss: 9 }, testCheckpoint(1)));
      const [row] = await f.sql<{ summary_json: string }>('SELECT summary_json FROM rounds');
      assert.equal((JSON.parse(row!.summary_json) as { trainLoss: number }).trainLoss, testSummary(1).trainLoss);
    });
  });

  describe('an unreachable database', () => {
    it('rejects a write with ServiceUnavailableError once PostgreSQL went away', async () => {
      // Prepare: a store that reaches PostgreSQL through a relay, then loses it.
      const { relay, db } = await relayedDatabase();
      const store = await PostgresRunStore.open(db);
      await store.createRun('run-u', '{}', 'RUN_STATE_RUNNING', 1000);

      // Execute
      await relay.cut();

      // Assert
      await assert.rejects(
        store.setState('run-u', 'RUN_STATE_COMPLETED', '', 2000),
        fedsiftError(ServiceUnavailableError, /PostgreSQL unreachable while recording the state of run run-u/),
      );
      await assert.rejects(store.runs(), fedsiftError(ServiceUnavailableError, /unreachable while reading the runs/));
      assert.deepEqual(await f.sql('SELECT state FROM runs'), [{ state: 'RUN_STATE_RUNNING' }]);
    });

    it('rejects a commit cut off mid-transaction with ServiceUnavailableError, and nothing of it is written', async () => {
      // Prepare: the commit waits inside its transaction (see holdRoundKey) when the database goes away.
      const { relay, db } = await relayedDatabase();
      const store = await PostgresRunStore.open(db, () => ({ holder: 'coord-a', generation: 1 }));
      await holdLease('coord-a', 1);
      await store.createRun('run-m', '{}', 'RUN_STATE_RUNNING', 1000);
      const held = await holdRoundKey('run-m', 1);
      const commit = store.commitRound('run-m', testSummary(1), testCheckpoint(1)).then(
        () => undefined,
        (err: unknown) => err,
      );
      const commitPid = await held.waitingCommit();

      // Execute
      await relay.cut();
      const refusal = await commit;
      await held.release();

      // Assert
      assert.ok(
        fedsiftError(ServiceUnavailableError, /unreachable while committing round 1 of run run-m/)(refusal),
        String(refusal),
      );
      await waitFor('the cut-off commit to end on the server', async () => {
        const rows = await f.sql('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [commitPid]);
        return rows.length === 0 ? true : undefined;
      });
      assert.deepEqual(await f.sql('SELECT round FROM rounds'), []);
      assert.deepEqual(await f.sql('SELECT round FROM checkpoints'), []);
    });

    it('rejects opening a store with ServiceUnavailableError when nothing listens on the port', async () => {
      // Prepare
      const closedPort = await freePort();

      // Execute, Assert
      await assert.rejects(
        PostgresRunStore.open(f.database(urlVia(f, '127.0.0.1', closedPort))),
        fedsiftError(ServiceUnavailableError, /PostgreSQL unreachable while migrating postgres:\/\/.*ECONNREFUSED/),
      );
    });
  });
});
