import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { FEDSIFT_BIN, stopChild } from '../../coordinator/lab/federation/index.js';
import { clientLogs, saveLogs, spawnClient } from '../helpers/client-processes.js';
import { startTestCoordinator, waitFor, waitForRunState } from '../helpers/coordinators.js';
import { freePort, waitForPort } from '../helpers/processes.js';

describe('hierarchical run with real processes', () => {
  it('a `fedsift aggregator` process relays 2 real daemons; with a direct site, 2 rounds train MNIST', async () => {
    const c = await startTestCoordinator();
    const port = await freePort();
    const aggregator = spawn(
      process.execPath,
      [
        FEDSIFT_BIN,
        'aggregator',
        '--upstream',
        c.address,
        '--site-id',
        'agg-e2e',
        '--port',
        String(port),
        '--min-clients',
        '2',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, FEDSIFT_INSECURE: '1' } },
    );
    let aggregatorLog = '';
    aggregator.stderr!.on('data', (d: Buffer) => (aggregatorLog += d.toString()));
    const clients = [];
    try {
      await waitForPort(port, 60_000);
      clients.push(spawnClient(`127.0.0.1:${port}`, 0, 3), spawnClient(`127.0.0.1:${port}`, 1, 3));
      clients.push(spawnClient(c.address, 2, 3));
      await waitFor('the aggregator and the direct site live', () => (c.liveClients() === 2 ? true : undefined));
      const run = await c.manager.startRun({
        rounds: 2,
        clientsPerRound: 2,
        minClients: 2,
        hierarchical: true,
        localEpochs: 1,
        model: 'mlp',
        seed: 3,
        roundDeadlineMs: 120_000,
      });
      const s = await waitForRunState(c, run.runId, ['RUN_STATE_COMPLETED', 'RUN_STATE_FAILED']);
      const logs = saveLogs({ ...clientLogs(clients), aggregator: aggregatorLog });
      assert.equal(s.state, 'RUN_STATE_COMPLETED', `${s.error} (logs: ${logs})`);
      assert.deepEqual(
        s.rounds.map((r) => [r.responded, r.clientUpdates]),
        [
          [2, 3],
          [2, 3],
        ],
        `logs: ${logs}`,
      );
      const acc = s.rounds.map((r) => r.testAccuracy);
      assert.ok(acc[1]! > 0.5, `test accuracy ${acc.join(' → ')}`);
      assert.ok(s.rounds[0]!.federatedAccuracy > 0, 'the sub-fleet and the site evaluated the global model');
    } finally {
      await Promise.all(clients.map((p) => stopChild(p.child)));
      await stopChild(aggregator);
      await c.close();
    }
  });
});
