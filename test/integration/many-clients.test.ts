import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { FixedModelRuntime } from '../helpers/fixed-runtime.js';
import { startTestCoordinator, waitFor } from '../helpers/coordinators.js';
import { runSimulatedSites } from '../helpers/simulated-sites.js';

const CLIENTS = 200;

describe('many clients on one coordinator', () => {
  it(`${CLIENTS} simulated sites, one connection each, all complete 2 rounds with no error`, async () => {
    // Prepare: a 40 KB model; the sites join, heartbeat and watch rounds over gRPC as daemons do (no training)
    const c = await startTestCoordinator(
      { heartbeatIntervalMs: 5_000, clientTimeoutMs: 60_000 },
      { runtime: new FixedModelRuntime(10_000) },
    );
    try {
      const fdsBefore = readdirSync('/proc/self/fd').length;
      const sites = runSimulatedSites(c.address, 0, CLIENTS);
      await waitFor(`${CLIENTS} live clients`, () => (c.liveClients() === CLIENTS ? true : undefined));
      const fdsJoined = readdirSync('/proc/self/fd').length;
      // Execute
      const run = await c.manager.startRun({
        rounds: 2,
        clientsPerRound: CLIENTS,
        minClients: CLIENTS,
        model: 'mlp',
        roundDeadlineMs: 120_000,
      });
      const report = await sites;
      await waitFor('run finished', () => (run.isFinished ? true : undefined));
      // Check: every site in every round, no error; each site had its own connection (both ends live in this process)
      assert.deepEqual(report.errors, []);
      assert.equal(report.updates, 2 * CLIENTS);
      const status = run.status();
      assert.equal(status.state, 'RUN_STATE_COMPLETED');
      assert.deepEqual(
        status.rounds.map((r) => [r.responded, r.failed]),
        [
          [CLIENTS, 0],
          [CLIENTS, 0],
        ],
      );
      assert.ok(
        fdsJoined - fdsBefore >= 2 * CLIENTS,
        `${fdsJoined - fdsBefore} new file descriptors for ${CLIENTS} sites`,
      );
    } finally {
      await c.close();
    }
  });
});
