import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { PgLeadership } from '../../../coordinator/leadership/index.js';
import { migratePostgres, openPgDatabase, type PgDatabase } from '../../../coordinator/store/index.js';
import { silentLogger } from '../../../shared/logging/index.js';
import { waitFor } from '../../helpers/coordinators.js';
import { startTcpRelay } from '../../helpers/tcp-relay.js';
import { testSchema, type TestSchema } from '../../helpers/postgres.js';

/** One coordinator's view of the lease: its own pool (as a separate process has), its leadership, its events. */
interface Candidate {
  db: PgDatabase;
  leadership: PgLeadership;
  name: string;
}

/** What every candidate of a test saw, in order: `<name> elected` / `<name> lost: <reason>`. */
type EventLog = string[];

/** What the running test opened, closed after it in reverse order. */
const opened: (() => Promise<void>)[] = [];
/** A fresh migrated schema, dropped after the test. */
async function leaseSchema(): Promise<TestSchema> {
  const schema = testSchema();
  const db = openPgDatabase(schema.url, 1_000);
  await migratePostgres(db.pool, db.schema);
  await db.pool.end();
  opened.push(() => schema.drop());
  return schema;
}

/** Starts campaigning as `name` (address `<name>:50051`) on `url`, its events appended to `log`. */
function candidate(url: string, name: string, leaseMs: number, log: EventLog): Candidate {
  const db = openPgDatabase(url, leaseMs / 2);
  const leadership = new PgLeadership(db, {
    holder: name,
    address: () => `${name}:50051`,
    leaseMs,
    logger: silentLogger(),
  });
  leadership.on('elected', () => log.push(`${name} elected`));
  leadership.on('lost', (reason) => log.push(`${name} lost: ${reason}`));
  opened.push(async () => {
    await leadership.close();
    await db.pool.end();
  });
  void leadership.start();
  return { db, leadership, name };
}

const elected = (c: Candidate) => waitFor(`${c.name} elected`, () => (c.leadership.isLeader ? true : undefined));

/** The lease row as the database has it. */
async function leaseRow(db: PgDatabase) {
  const { rows } = await db.pool.query<{ holder: string; generation: string; expires_at: Date }>(
    'SELECT holder, generation, expires_at FROM leader_lease WHERE id = 1',
  );
  return { holder: rows[0]!.holder, generation: Number(rows[0]!.generation), expiresAt: rows[0]!.expires_at };
}

describe('leader lease in PostgreSQL (PgLeadership)', () => {
  afterEach(async () => {
    for (const close of opened.splice(0).reverse()) await close();
  });

  it('one of two candidates leads; the other stands by, naming the leader, with no token', async () => {
    // Prepare
    const { url } = await leaseSchema();
    const log: EventLog = [];
    const a = candidate(url, 'a', 2_000, log);
    const b = candidate(url, 'b', 2_000, log);

    // Execute
    const leader = await waitFor('a leader', () => [a, b].find((c) => c.leadership.isLeader));
    const standby = leader === a ? b : a;
    await waitFor('the standby to see the leader', () => standby.leadership.leaderAddress() || undefined);

    // Assert
    assert.equal(standby.leadership.isLeader, false);
    assert.equal(standby.leadership.token(), null);
    assert.equal(standby.leadership.leaderAddress(), `${leader.name}:50051`);
    assert.equal(leader.leadership.leaderAddress(), `${leader.name}:50051`);
    assert.deepEqual(leader.leadership.token(), { holder: leader.name, generation: 1 });
    assert.deepEqual(log, [`${leader.name} elected`]);
    assert.deepEqual(await leaseRow(leader.db).then((r) => [r.holder, r.generation]), [leader.name, 1]);
  });

  it("a leader's close() releases the lease: the standby takes it before it would have expired, generation + 1", async () => {
    // Prepare: a long lease, so that waiting for its expiry and taking it over when released differ by seconds
    const { url } = await leaseSchema();
    const log: EventLog = [];
    const a = candidate(url, 'a', 12_000, log);
    await elected(a);
    const b = candidate(url, 'b', 12_000, log);
    await waitFor('b to see a lead', () => b.leadership.leaderAddress() || undefined);
    const held = await leaseRow(a.db); // renewals only move its expiry later
    let beforeExpiry: Promise<boolean> | undefined;
    b.leadership.once('elected', () => {
      beforeExpiry = b.db.pool
        .query<{ early: boolean }>('SELECT now() < $1 AS early', [held.expiresAt])
        .then((r) => r.rows[0]!.early);
    });

    // Execute
    await a.leadership.close();
    await elected(b);

    // Assert
    assert.equal(await beforeExpiry, true);
    assert.equal(a.leadership.isLeader, false);
    assert.deepEqual(b.leadership.token(), { holder: 'b', generation: held.generation + 1 });
    assert.deepEqual(log, ['a elected', 'b elected']);
  });

  it('a leader cut off from PostgreSQL (renewals hang) emits lost before the standby is elected; generation + 1', async () => {
    // Prepare: a reaches PostgreSQL through a relay that can fall silent; b directly
    const { url } = await leaseSchema();
    const direct = new URL(url);
    const relay = await startTcpRelay(direct.hostname, Number(direct.port));
    const relayed = new URL(url);
    relayed.port = String(relay.port);
    opened.push(() => relay.cut());
    const log: EventLog = [];
    const a = candidate(relayed.toString(), 'a', 2_000, log);
    await elected(a);
    const generation = a.leadership.token()!.generation;
    const b = candidate(url, 'b', 2_000, log);
    await waitFor('b to see a lead', () => b.leadership.leaderAddress() || undefined);

    // Execute
    relay.freeze();
    await elected(b);

    // Assert
    assert.equal(log.length, 3);
    assert.equal(log[0], 'a elected');
    assert.match(log[1]!, /^a lost: the leader lease was not renewed within 1600 ms$/);
    assert.equal(log[2], 'b elected');
    assert.equal(a.leadership.isLeader, false);
    assert.equal(a.leadership.token(), null);
    assert.deepEqual(b.leadership.token(), { holder: 'b', generation: generation + 1 });
    await relay.cut(); // a's hung statements fail now, so its close() need not wait for their timeout
  });

  it('a leader whose renewal finds the lease taken emits lost at once and stands by', async () => {
    // Prepare
    const { url } = await leaseSchema();
    const log: EventLog = [];
    const a = candidate(url, 'a', 4_000, log);
    await elected(a);

    // Execute: another holder takes the row, as a take-over after a stall of a would
    await a.db.pool.query(
      `UPDATE leader_lease SET holder = 'z', address = 'z:50051', generation = generation + 1,
         expires_at = now() + interval '1 hour' WHERE id = 1`,
    );
    await waitFor('a to lose the lead', () => (a.leadership.isLeader ? undefined : true));

    // Assert
    assert.deepEqual(log, ['a elected', 'a lost: another coordinator took the leader lease']);
    assert.equal(a.leadership.token(), null);
    await waitFor('a to see z lead', () => (a.leadership.leaderAddress() === 'z:50051' ? true : undefined));
    assert.deepEqual(await leaseRow(a.db).then((r) => [r.holder, r.generation]), ['z', 2]);
  });
});
