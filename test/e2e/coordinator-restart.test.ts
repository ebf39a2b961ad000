import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { AdminClient } from '../../coordinator/operator/index.js';
import { stopChild } from '../../coordinator/lab/federation/index.js';
import { spawnClient } from '../helpers/client-processes.js';
import { pollRun, pollStart, resumableRun, startCoordinatorProcess } from '../helpers/coordinator-processes.js';
import { freePort } from '../helpers/processes.js';

const RUN = resumableRun(6, 3, 5);

describe('coordinator killed mid-run (SIGKILL) and restarted', () => {
  // Two 6-round runs of 3 client processes and two coordinator start-ups: on a heavily loaded machine this takes
  // longer than the suite's default per-test limit.
  it(
    'resumes the run from its last completed round, loses no completed round, and ends near an uninterrupted run',
    { timeout: 900_000 },
    async () => {
      // Prepare
      const stateDir = mkdtempSync(join(tmpdir(), 'fedsift-state-'));
      const port = await freePort();
      const address = `127.0.0.1:${port}`;
      let coordinator = startCoordinatorProcess(port, stateDir);
      const clients = [0, 1, 2].map((i) => spawnClient(address, i, 3));
      const admin = new AdminClient(address);
      try {
        const runId = await pollStart([admin], [coordinator], RUN);
        const before = await pollRun([admin], runId, (s) => s.rounds.length >= 3);
        // Execute: kill -9 mid-run, then start a new coordinator process on the same state directory.
        coordinator.kill('SIGKILL');
        await new Promise((r) => coordinator.once('exit', r));
        assert.ok(existsSync(join(stateDir, 'state.db')));
        assert.ok(
          readdirSync(join(stateDir, 'checkpoints', runId)).some((f) => f === `round-${before.rounds.length}.ckpt`),
        );
        coordinator = startCoordinatorProcess(port, stateDir);
        const resumed = await pollRun(
          [admin],
          runId,
          (s) => s.state !== 'RUN_STATE_WAITING' && s.state !== 'RUN_STATE_RUNNING',
        );
        // Assert
        assert.equal(resumed.state, 'RUN_STATE_COMPLETED', resumed.error);
        assert.deepEqual(
          resumed.rounds.map((r) => r.round),
          [1, 2, 3, 4, 5, 6],
          'every round once, none lost, none repeated',
        );
        assert.deepEqual(
          resumed.rounds.slice(0, before.rounds.length),
          before.rounds,
          'completed rounds survive as they were',
        );
        const uninterrupted = await pollRun(
          [admin],
          (await admin.startRun(RUN)).runId,
          (s) => s.state === 'RUN_STATE_COMPLETED',
        );
        const gap = Math.abs(resumed.rounds.at(-1)!.testAccuracy - uninterrupted.rounds.at(-1)!.testAccuracy);
        assert.ok(
          gap < 0.01,
          `resumed ${resumed.rounds.at(-1)!.testAccuracy} vs uninterrupted ${uninterrupted.rounds.at(-1)!.testAccuracy}`,
        );
        const listed = await admin.listRuns();
        assert.deepEqual(listed.map((r) => r.runId).slice(0, 1), [runId], 'the resumed run is still listed first');
      } finally {
        admin.close();
        await Promise.all(clients.map((c) => stopChild(c.child)));
        await stopChild(coordinator);
      }
    },
  );
});
