import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stopChild } from '../../coordinator/lab/federation/index.js';
import { CLIENT_METRICS } from '../../shared/contract/index.js';
import { logLines, spawnClient } from '../helpers/client-processes.js';
import { oneSiteRound, startTestCoordinator, waitFor, waitForRunState } from '../helpers/coordinators.js';

describe('a daemon slowed on purpose (fedsift client --slowdown)', () => {
  it('heartbeats through its wait and, past the deadline, submits late into a newer attempt as a slow site does', async () => {
    // Prepare: heartbeats every 300 ms and lapsing after 1.5 s, 2 s attempts; at --slowdown 10 the site waits
    // 9× its training (seconds), so it outlives several heartbeat timeouts and attempt deadlines
    const c = await startTestCoordinator({ heartbeatIntervalMs: 300, clientTimeoutMs: 1_500 });
    const site = spawnClient(c.address, 0, 4, undefined, ['--slowdown', '10']);
    let fewestLive = Infinity;
    const watch = setInterval(() => (fewestLive = Math.min(fewestLive, c.liveClients())), 50);
    try {
      await waitFor('1 live client', () => (c.liveClients() === 1 ? true : undefined));
      fewestLive = 1;
      const run = await c.manager.startRun(oneSiteRound({ roundDeadlineMs: 2_000, maxRoundAttempts: 1_000 }));
      // Execute
      const s = await waitForRunState(c, run.runId, ['RUN_STATE_COMPLETED', 'RUN_STATE_FAILED']);
      // Assert
      assert.equal(s.state, 'RUN_STATE_COMPLETED', s.error);
      const r = s.rounds[0]!;
      assert.equal(r.responded, 1);
      assert.ok(r.attempts > 1, `the update came in attempt ${r.attempts}: the wait did not pass the deadline`);
      const ratio = r.clientMetrics[CLIENT_METRICS.slowdownMs]! / r.clientMetrics[CLIENT_METRICS.trainMs]!;
      assert.ok(ratio > 7 && ratio < 12, `waited ${ratio.toFixed(2)}× its training`);
      assert.equal(fewestLive, 1, 'the site lapsed during its wait: heartbeats stopped');
      await waitFor('the ack in the site log', () =>
        logLines(site.stderr(), 'update accepted').length ? true : undefined,
      );
      assert.ok(logLines(site.stderr(), 'submitting to the newer attempt').length >= 1, site.stderr());
    } finally {
      clearInterval(watch);
      await stopChild(site.child);
      await c.close();
    }
  });
});
