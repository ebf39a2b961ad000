import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { stopChild } from '../../coordinator/lab/federation/index.js';
import { spawnClient } from '../helpers/client-processes.js';
import { startTestCoordinator, waitFor, waitForRunState } from '../helpers/coordinators.js';
import { startPrivateNats } from '../helpers/nats.js';
import { freePort } from '../helpers/processes.js';

describe('NATS outage mid-run (BR-06), on a private nats-server', () => {
  it('rounds announced while NATS is down reach the clients over gRPC; after it returns they reconnect and the run completes', async () => {
    // Prepare
    const port = await freePort();
    const store = mkdtempSync(join(tmpdir(), 'fedsift-nats-'));
    const natsUrl = `nats://127.0.0.1:${port}`;
    let nats = await startPrivateNats(port, store);
    const c = await startTestCoordinator({ natsUrl });
    const clients = [0, 1].map((i) => spawnClient(c.address, i, 2, natsUrl));
    try {
      await waitFor('2 live clients', () => (c.liveClients() === 2 ? true : undefined));
      const run = await c.manager.startRun({
        rounds: 6,
        clientsPerRound: 2,
        minClients: 2,
        localEpochs: 1,
        model: 'mlp',
        roundDeadlineMs: 60_000,
      });
      await waitFor('round 1 completed', () => (run.status().rounds.length >= 1 ? true : undefined));
      // Execute: NATS dies; rounds go on over gRPC; after two more rounds it comes back on the same port and store.
      nats.kill('SIGKILL');
      await new Promise((r) => nats.once('exit', r));
      const during = run.status().rounds.length;
      await waitFor(
        '2 rounds completed without NATS',
        () => (run.status().rounds.length >= during + 2 ? true : undefined),
        120_000,
      );
      nats = await startPrivateNats(port, store);
      const s = await waitForRunState(c, run.runId, ['RUN_STATE_COMPLETED', 'RUN_STATE_FAILED']);
      // Assert
      assert.equal(s.state, 'RUN_STATE_COMPLETED', s.error);
      assert.deepEqual(
        s.rounds.map((r) => [r.round, r.responded, r.attempts]),
        [1, 2, 3, 4, 5, 6].map((r) => [r, 2, 1]),
        'every round once, with both clients',
      );
      assert.doesNotMatch(await c.metrics.expose(), /duplicate_update/, 'no duplicate submission');
      for (const client of clients) {
        const log = client.stderr();
        assert.match(log, /"natsStatus":"disconnect"/);
        await waitFor(
          'NATS reconnect logged',
          () => (/"natsStatus":"reconnect"/.test(client.stderr()) ? true : undefined),
          30_000,
        );
        assert.match(log, /"source":"nats\+grpc-stream"/);
      }
    } finally {
      await Promise.all(clients.map((p) => stopChild(p.child)));
      await c.close();
      await stopChild(nats);
    }
  });
});
