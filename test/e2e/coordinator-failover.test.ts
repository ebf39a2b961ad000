import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { describe, it } from 'node:test';
import pg from 'pg';
import { AdminClient } from '../../coordinator/operator/index.js';
import { stopChild } from '../../coordinator/lab/federation/index.js';
import { clientLogs, saveLogs, spawnClient } from '../helpers/client-processes.js';
import { pollRun, pollStart, resumableRun, startCoordinatorProcess } from '../helpers/coordinator-processes.js';
import { testSchema, TEST_PG_URL } from '../helpers/postgres.js';
import { freePort } from '../helpers/processes.js';

const RUN = resumableRun(10, 4, 11);

/** A short lease, so that the standby takes over within seconds of the leader's death. */
const LEASE_MS = 3_000;

describe('two coordinators on PostgreSQL: the leader SIGKILLed mid-run', () => {
  it(
    'the standby takes the lead and resumes at the next round, the clients follow it, no round is counted twice, ' +
      'and the run ends within 1 point of an uninterrupted one',
    { timeout: 900_000 },
    async () => {
      // Prepare: coordinator A starts first and leads; B stands by on the same schema; 4 daemons know both.
      const schema = testSchema();
      const [portA, portB] = [await freePort(), await freePort()];
      const [addressA, addressB] = [`127.0.0.1:${portA}`, `127.0.0.1:${portB}`];
      const args = ['--lease-ms', String(LEASE_MS)];
      const [logsA, logsB] = [{ text: '' }, { text: '' }];
      const a = startCoordinatorProcess(portA, schema.url, [...args, '--advertise', addressA], logsA);
      const admins = [new AdminClient(addressA), new AdminClient(addressB)];
      let b: ChildProcess | undefined;
      const clients = [0, 1, 2, 3].map((i) => spawnClient(`${addressA},${addressB}`, i, 4));
      const db = new pg.Client({ connectionString: TEST_PG_URL });
      try {
        await db.connect();
        const runId = await pollStart(admins.slice(0, 1), [a], RUN);
        b = startCoordinatorProcess(portB, schema.url, [...args, '--advertise', addressB], logsB);
        const before = await pollRun(admins, runId, (s) => s.rounds.length >= 4);

        // Execute: kill -9 the leader as soon as it committed round 4.
        a.kill('SIGKILL');
        await new Promise((r) => a.once('exit', r));
        const resumed = await pollRun(
          admins,
          runId,
          (s) => s.state !== 'RUN_STATE_WAITING' && s.state !== 'RUN_STATE_RUNNING',
        );

        // Assert
        assert.equal(resumed.state, 'RUN_STATE_COMPLETED', resumed.error);
        assert.deepEqual(
          resumed.rounds.map((r) => r.round),
          [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
          'every round once, none lost, none repeated',
        );
        assert.deepEqual(resumed.rounds.slice(0, before.rounds.length), before.rounds, 'committed rounds as they were');
        const { rows } = await db.query<{ round: number; generation: string }>(
          `SELECT round, generation FROM ${schema.schema}.rounds WHERE run_id = $1 ORDER BY round`,
          [runId],
        );
        const generations = [...new Set(rows.map((r) => r.generation))];
        assert.equal(generations.length, 2, `rounds committed under two leases: ${JSON.stringify(rows)}`);
        const [first, second] = generations.map(Number) as [number, number];
        assert.ok(second > first);
        assert.deepEqual(
          rows.filter((r) => Number(r.generation) === second).map((r) => r.round),
          Array.from({ length: 10 - before.rounds.length }, (_, i) => before.rounds.length + 1 + i),
          'the standby resumed at the round after the last one the leader committed',
        );
        const uninterrupted = await pollRun(
          admins,
          await pollStart(admins, [b], RUN),
          (s) => s.state === 'RUN_STATE_COMPLETED',
        );
        const [x, y] = [resumed.rounds.at(-1)!.testAccuracy, uninterrupted.rounds.at(-1)!.testAccuracy];
        assert.ok(Math.abs(x - y) < 0.01, `after a failover ${x} vs uninterrupted ${y}`);
      } catch (err) {
        const logs = saveLogs({ a: logsA.text, b: logsB.text, ...clientLogs(clients) });
        throw new Error(`${(err as Error).message} (logs in ${logs})`, { cause: err });
      } finally {
        admins.forEach((admin) => admin.close());
        await Promise.all(clients.map((c) => stopChild(c.child)));
        await Promise.all([a, b].filter((p) => p !== undefined).map((p) => stopChild(p)));
        await db.end().catch(() => undefined);
        await schema.drop();
      }
    },
  );
});
