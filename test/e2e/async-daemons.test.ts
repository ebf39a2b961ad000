import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stopChild } from '../../coordinator/lab/federation/index.js';
import { CLIENT_METRICS } from '../../shared/contract/index.js';
import { spawnClient } from '../helpers/client-processes.js';
import { startTestCoordinator, waitFor, waitForRunState } from '../helpers/coordinators.js';

describe('an asynchronous run played by client daemons (fedsift client)', () => {
  it('the fast daemon makes versions while the slow one trains; the slow update then counts, stale', async () => {
    // Prepare: two daemons, site 0 at --slowdown 3; one update per version, both training at once
    const c = await startTestCoordinator({});
    const fast = spawnClient(c.address, 1, 2);
    const slow = spawnClient(c.address, 0, 2, undefined, ['--slowdown', '3']);
    try {
      await waitFor('2 live clients', () => (c.liveClients() === 2 ? true : undefined));
      const run = await c.manager.startRun({
        mode: 'async',
        async: { bufferSize: 1, maxConcurrency: 2, maxStaleness: 50 },
        rounds: 10,
        clientsPerRound: 2,
        minClients: 1,
        minAvailableClients: 2,
        roundDeadlineMs: 600_000,
        model: 'mlp',
        localEpochs: 1,
      });
      // Execute
      const s = await waitForRunState(c, run.runId, ['RUN_STATE_COMPLETED', 'RUN_STATE_FAILED']);
      // Assert: versions carrying the slow site's update report its wait (slowdown_ms)
      assert.equal(s.state, 'RUN_STATE_COMPLETED', s.error);
      const slowOnes = s.rounds.filter((r) => r.clientMetrics[CLIENT_METRICS.slowdownMs] !== undefined);
      assert.equal(s.rounds[0]!.clientMetrics[CLIENT_METRICS.slowdownMs], undefined, 'version 1 is the fast site’s');
      assert.ok(slowOnes.length > 0, `the slow site's update counted: ${slow.stderr().slice(-2000)}`);
      assert.ok(
        slowOnes.every((r) => r.clientMetrics.staleness_mean! >= 1),
        'the slow update was trained from an older version',
      );
      assert.ok(
        s.rounds.every((r) => r.failures.length === 0),
        JSON.stringify(s.rounds.map((r) => r.failures)),
      );
    } finally {
      await Promise.all([stopChild(fast.child), stopChild(slow.child)]);
      await c.close();
    }
  });
});
