import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pg from 'pg';
import { startTestCoordinator, waitFor, waitForRound } from '../helpers/coordinators.js';
import { FixedModelRuntime } from '../helpers/fixed-runtime.js';
import { recordingLogger } from '../helpers/logs.js';
import { testSchema, TEST_PG_URL } from '../helpers/postgres.js';
import { joinProtocolClients, type TestClient } from '../helpers/protocol.js';
import { startTcpRelay } from '../helpers/tcp-relay.js';

/** Short, so the whole partition stays within node-postgres's 5 s connection timeout of the cut-off leader. */
const LEASE_MS = 1_000;
const PARAMS = 2;
const RUN = { rounds: 3, clientsPerRound: 2, minClients: 2, minAvailableClients: 2, roundDeadlineMs: 60_000 };

/**
 * Every client submits an update for `round` (values = the round number, 10 examples), each sent again until the
 * coordinator accepts it (its attempt may not be open yet).
 */
async function submitRound(clients: TestClient[], runId: string, round: number, specs: FixedModelRuntime['specs']) {
  const weights = { specs, values: new Float32Array(PARAMS).fill(round) };
  await Promise.all(
    clients.map(({ link, clientId }) =>
      waitFor(`${clientId}'s update of round ${round} accepted`, () =>
        link.submitUpdate({ runId, round, clientId, numExamples: 10, metrics: {}, weights }, 1 << 20).then(
          () => true as const,
          () => undefined,
        ),
      ),
    ),
  );
}

describe('a leader cut off from PostgreSQL (partition: lease lost, process alive)', () => {
  it("commits nothing after the new leader's first commit: its late round commit is refused by the lease fence", async () => {
    // Prepare: A reaches PostgreSQL through a relay the test can freeze, and leads; B stands by on the same schema.
    const schema = testSchema();
    const relay = await startTcpRelay('127.0.0.1', 5432);
    const viaRelay = schema.url.replace(':5432/', `:${relay.port}/`);
    const logA = recordingLogger();
    const runtime = new FixedModelRuntime(PARAMS);
    const config = { leaseMs: LEASE_MS };
    const a = await startTestCoordinator({ ...config, stateUrl: viaRelay }, { runtime }, logA.logger);
    const b = await startTestCoordinator(
      { ...config, stateUrl: schema.url },
      { runtime: new FixedModelRuntime(PARAMS) },
    );
    const db = new pg.Client({ connectionString: TEST_PG_URL });
    const links: TestClient[] = [];
    try {
      await db.connect();
      links.push(...(await joinProtocolClients(a.address, 2)));
      const { runId } = await a.manager.startRun({ ...RUN, model: 'mlp' });
      await waitForRound(a, runId, 1);
      await submitRound(links.slice(0, 2), runId, 1, runtime.specs);
      await waitForRound(a, runId, 2);

      // Execute: partition A from PostgreSQL, then hand it round 2's updates: its commit of round 2 now hangs.
      relay.freeze();
      await submitRound(links.slice(0, 2), runId, 2, runtime.specs);
      await waitFor('B to lead', () => (b.role() === 'leader' ? true : undefined));
      const roleOfA = a.role();
      links.push(...(await joinProtocolClients(b.address, 2)));
      await waitForRound(b, runId, 2);
      await submitRound(links.slice(2), runId, 2, runtime.specs);
      await waitFor("B's commit of round 2", () =>
        b.manager.get(runId).status().rounds.length >= 2 ? true : undefined,
      );
      relay.thaw(); // the partition heals: A's commit, held until now, reaches PostgreSQL after B's
      await waitFor("A's run to end here", () => (a.manager.get(runId).isFinished ? true : undefined));
      const refusal = logA.lines.find((l) => l.msg === 'run suspended: its state could not be written');

      // Assert
      assert.equal(roleOfA, 'standby', 'A stopped leading while cut off');
      assert.match(String(refusal?.err), /^write refused: /, "A's commit of round 2 refused by the lease fence");
      const { rows } = await db.query<{ round: number; generation: string; committed_at: Date }>(
        `SELECT round, generation, committed_at FROM ${schema.schema}.rounds WHERE run_id = $1 ORDER BY round`,
        [runId],
      );
      assert.deepEqual(
        rows.map((r) => r.round),
        [1, 2],
      );
      const [first, second] = rows as [(typeof rows)[0], (typeof rows)[0]];
      assert.ok(Number(second.generation) > Number(first.generation), "round 2 is B's, under a newer lease");
      const lateOfA = rows.filter((r) => r.generation === first.generation && r.committed_at >= second.committed_at);
      assert.deepEqual(lateOfA, [], "nothing of A's lease committed after B's first commit");
      const state = await db.query<{ state: string }>(`SELECT state FROM ${schema.schema}.runs`);
      assert.deepEqual(
        state.rows.map((r) => r.state),
        ['RUN_STATE_RUNNING'],
        'A recorded no final state for the run',
      );
    } finally {
      links.forEach((c) => c.link.close());
      relay.thaw();
      await Promise.all([a.close(), b.close()]);
      await relay.cut();
      await db.end();
      await schema.drop();
    }
  });
});
