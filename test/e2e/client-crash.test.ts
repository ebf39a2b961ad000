import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClientRegistry } from '../../coordinator/clients/index.js';
import { lostClientFailure } from '../../coordinator/rounds/index.js';
import { stopChild } from '../../coordinator/lab/federation/index.js';
import { spawnClient } from '../helpers/client-processes.js';
import { startTestCoordinator, waitFor, waitForRound, waitForRunState } from '../helpers/coordinators.js';

describe('a client killed mid-round', () => {
  it('SIGKILL during local training: once its heartbeats stop the round closes with the others, long before its deadline, and the next round goes on without it', async () => {
    // Prepare: 3 client processes; the kill comes as soon as round 1 is announced, while the client fetches or trains.
    // The deadline is never reached, however loaded the machine: the round closes when the killed client is found
    // lost (no heartbeat for clientTimeoutMs) and the other two answered.
    const clientTimeoutMs = 8_000;
    const c = await startTestCoordinator({ heartbeatIntervalMs: 500, clientTimeoutMs });
    const clients = [0, 1, 2].map((i) => spawnClient(c.address, i, 3));
    const killedId = ClientRegistry.clientIdFor(clients[0]!.siteId);
    try {
      await waitFor('3 live clients', () => (c.liveClients() === 3 ? true : undefined));
      const run = await c.manager.startRun({
        rounds: 2,
        clientsPerRound: 3,
        minClients: 2,
        minAvailableClients: 2,
        localEpochs: 3,
        model: 'mlp',
        roundDeadlineMs: 3_600_000,
      });
      await waitForRound(c, run.runId, 1);
      // Execute
      clients[0]!.child.kill('SIGKILL');
      const s = await waitForRunState(c, run.runId, ['RUN_STATE_COMPLETED', 'RUN_STATE_FAILED']);
      // Assert
      assert.equal(s.state, 'RUN_STATE_COMPLETED', s.error);
      const [r1, r2] = s.rounds as [(typeof s.rounds)[0], (typeof s.rounds)[0]];
      assert.equal(r1.selected, 3);
      assert.equal(r1.responded, 2, "the others' updates were aggregated");
      assert.equal(r1.attempts, 1, 'round 1 closed on its first attempt, not re-announced');
      assert.deepEqual(
        r1.failures,
        [{ clientId: killedId, reason: lostClientFailure(clientTimeoutMs) }],
        'only the killed client failed, found lost by its missing heartbeats',
      );
      assert.equal(r2.selected, 2, 'the dead client is no longer selected');
      assert.equal(r2.responded, 2);
      assert.deepEqual(r2.failures, []);
    } finally {
      await Promise.all(clients.map((p) => stopChild(p.child)));
      await c.close();
    }
  });
});
