import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { stopChild } from '../../coordinator/demo/index.js';
import { spawnClient } from '../helpers/client-processes.js';
import { startTestCoordinator, waitFor, waitForRunState } from '../helpers/coordinators.js';

describe('a run with per-sample weighting on real client daemons', () => {
  it('clients weight their samples, report aggregates only, and keep a local label-issue report', async () => {
    // Prepare
    const reportDir = mkdtempSync(join(tmpdir(), 'fedsift-report-'));
    const c = await startTestCoordinator();
    const clients = [0, 1].map((i) => spawnClient(c.address, i, 2, undefined, ['--report-dir', join(reportDir, `site-${i}`)]));
    try {
      await waitFor('2 live clients', () => (c.liveClients() === 2 ? true : undefined), 60_000);
      // Execute
      const run = c.manager.startRun({
        rounds: 2,
        clientsPerRound: 2,
        minClients: 2,
        localEpochs: 1,
        model: 'mlp',
        strategy: 'fedavg-effective',
        weighting: { noisyLabels: 'confident-learning', curriculum: { regularizer: 'linear', startFraction: 0.5, fullAt: 1 } },
      });
      const s = await waitForRunState(c, run.runId, ['RUN_STATE_COMPLETED', 'RUN_STATE_FAILED'], 120_000);
      // Assert
      assert.equal(s.state, 'RUN_STATE_COMPLETED', s.error);
      const [r1, r2] = s.rounds as [typeof s.rounds[0], typeof s.rounds[0]];
      assert.equal(r1.clientMetrics.curriculum_stage, 0.5);
      assert.equal(r2.clientMetrics.curriculum_stage, 0.75);
      assert.ok(r1.clientMetrics.downweighted_ratio! > 0.3, `round 1 down-weighted ${r1.clientMetrics.downweighted_ratio}`);
      assert.ok(r1.clientMetrics.effective_examples! < 4000 / 2, 'effective count below the raw count');
      assert.ok(r1.clientMetrics.label_issues_flagged! >= 0 && Number.isFinite(r1.clientMetrics.weighting_ms));
      assert.ok(r2.testAccuracy > 0.6, `accuracy ${r2.testAccuracy}`);
      for (const i of [0, 1]) {
        const dir = join(reportDir, `site-${i}`, run.runId);
        assert.ok(existsSync(join(dir, 'label-issues.json')) && existsSync(join(dir, 'label-next.json')));
        assert.match(readFileSync(join(dir, 'label-issues.csv'), 'utf8'), /^sample_index,given_label,suggested_label,score,corrected\n/);
        const queue = JSON.parse(readFileSync(join(dir, 'label-next.json'), 'utf8')) as { round: number; queue: unknown[] };
        assert.equal(queue.round, 2);
        assert.equal(queue.queue.length, 100);
      }
      const metrics = await c.metrics.expose();
      assert.match(metrics, new RegExp(`fedsift_curriculum_stage\\{run="${run.runId}"\\} 0.75`));
    } finally {
      await Promise.all(clients.map((p) => stopChild(p.child)));
      await c.close();
    }
  });
});
