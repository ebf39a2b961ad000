import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stopChild } from '../../coordinator/lab/federation/index.js';
import { logLines, spawnClient } from '../helpers/client-processes.js';
import { startTestCoordinator, waitFor, waitForRunState } from '../helpers/coordinators.js';

describe('slow sites (every site trains longer than an attempt lasts)', () => {
  it('completes the run: updates trained for a closed attempt count in a later one, each site trains once per round, nothing fails', async () => {
    // Prepare: 3 sites, quorum 3, 1 s attempts; 6 local epochs of ~2,700 digits take seconds on any machine, so
    // every site is still training when attempt 1 closes, and the sites finish in different attempts
    const c = await startTestCoordinator({ heartbeatIntervalMs: 300 });
    const sites = [0, 1, 2].map((i) => spawnClient(c.address, i, 3));
    try {
      await waitFor('3 live clients', () => (c.liveClients() === 3 ? true : undefined));
      const run = await c.manager.startRun({
        rounds: 2,
        clientsPerRound: 3,
        minClients: 3,
        localEpochs: 6,
        model: 'mlp',
        roundDeadlineMs: 1_000,
        maxRoundAttempts: 1_000, // as many 1 s attempts as the slowest site needs, however loaded the machine
      });
      // Execute
      const s = await waitForRunState(c, run.runId, ['RUN_STATE_COMPLETED', 'RUN_STATE_FAILED'], 600_000);
      // Assert
      assert.equal(s.state, 'RUN_STATE_COMPLETED', s.error);
      for (const r of s.rounds) {
        assert.ok(r.attempts > 1, `round ${r.round} took ${r.attempts} attempt(s): a site answered attempt 1`);
        assert.equal(r.responded, 3, `round ${r.round}`);
        assert.deepEqual(r.failures, [], `round ${r.round}: failures recorded in its completing attempt`);
      }
      for (const site of sites) {
        // the ack reaches the site's log a moment after the coordinator counted the update
        const accepted = () => (logLines(site.stderr(), 'update accepted').length >= 2 ? true : undefined);
        await waitFor(`${site.siteId}: an accepted update per round`, accepted);
        const log = site.stderr();
        assert.equal(
          logLines(log, 'update accepted').length,
          2,
          `${site.siteId}: trained and submitted once per round`,
        );
        assert.ok(logLines(log, 'submitting to the newer attempt').length >= 1, `${site.siteId} re-targeted`);
        assert.deepEqual(logLines(log, 'round not completed'), [], site.siteId);
      }
    } finally {
      await Promise.all(sites.map((p) => stopChild(p.child)));
      await c.close();
    }
  });
});
