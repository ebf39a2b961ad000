import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { formatRunStatus } from '../../coordinator/operator/index.js';
import { SITE_SUMMARY_FILE, siteReportDir, type SiteSummary } from '../../shared/contract/index.js';
import { stopChild } from '../../coordinator/lab/federation/index.js';
import { spawnClient } from '../helpers/client-processes.js';
import { assertClose } from '../helpers/assert-close.js';
import { startTestCoordinator, waitFor, waitForRunState } from '../helpers/coordinators.js';

describe('a run with per-sample weighting on real client daemons', () => {
  it('clients weight their samples from startRound on, report aggregates only, and keep a local label-issue report', async () => {
    // Prepare
    const reportDir = mkdtempSync(join(tmpdir(), 'fedsift-report-'));
    const c = await startTestCoordinator();
    // Site 0 flips 40% of its labels on purpose, so its report can score detection against the flips.
    const noise = (i: number) => (i === 0 ? ['--label-noise', 'symmetric:0.4:7'] : []);
    const clients = [0, 1].map((i) =>
      spawnClient(c.address, i, 2, undefined, ['--report-dir', join(reportDir, `site-${i}`), ...noise(i)]),
    );
    try {
      await waitFor('2 live clients', () => (c.liveClients() === 2 ? true : undefined));
      // Execute
      const run = await c.manager.startRun({
        rounds: 3,
        clientsPerRound: 2,
        minClients: 2,
        localEpochs: 1,
        model: 'mlp',
        strategy: 'fedavg-effective',
        weighting: {
          startRound: 2,
          noisyLabels: 'confident-learning',
          curriculum: { regularizer: 'linear', startFraction: 0.5, fullAt: 1 },
        },
      });
      const s = await waitForRunState(c, run.runId, ['RUN_STATE_COMPLETED', 'RUN_STATE_FAILED']);
      // Assert
      assert.equal(s.state, 'RUN_STATE_COMPLETED', s.error);
      const [r1, r2, r3] = s.rounds as [(typeof s.rounds)[0], (typeof s.rounds)[0], (typeof s.rounds)[0]];
      assert.equal(r1.clientMetrics.weighting_ms, undefined, 'round 1 is before startRound: plain training');
      assertClose(
        [r2.clientMetrics.curriculum_stage!, r3.clientMetrics.curriculum_stage!],
        [0.5 + 0.5 / 3, 0.5 + 1 / 3],
        1e-6,
      );
      assert.ok(
        r2.clientMetrics.downweighted_ratio! > 0.2,
        `round 2 down-weighted ${r2.clientMetrics.downweighted_ratio}`,
      );
      assert.ok(r2.clientMetrics.effective_examples! < 4000 / 2, 'effective count below the raw count');
      assert.ok(r2.clientMetrics.label_issues_flagged! > 0 && Number.isFinite(r2.clientMetrics.weighting_ms));
      assert.ok(r3.testAccuracy > 0.6, `accuracy ${r3.testAccuracy}`);
      const summary = (i: number) =>
        JSON.parse(
          readFileSync(join(siteReportDir(join(reportDir, `site-${i}`), run.runId), SITE_SUMMARY_FILE), 'utf8'),
        ) as SiteSummary;
      const noisy = summary(0),
        clean = summary(1);
      assert.equal(noisy.round, 3);
      assert.ok(noisy.detection, 'the noisy site scores its flags against the flipped labels');
      assert.ok(
        noisy.detection.noisy > 0.3 * noisy.samples && noisy.detection.noisy < 0.5 * noisy.samples,
        `${noisy.detection.noisy} flipped`,
      );
      assert.ok(
        noisy.detection.auroc > 0.8 && noisy.detection.precision > 0.5 && noisy.detection.recall > 0.5,
        JSON.stringify(noisy.detection),
      );
      assert.equal(clean.detection, undefined, 'a site without injected noise has no ground truth');
      assert.ok(clean.issues < noisy.issues, `clean site flagged ${clean.issues}, noisy site ${noisy.issues}`);
      for (const i of [0, 1]) {
        const dir = join(reportDir, `site-${i}`, run.runId);
        assert.ok(existsSync(join(dir, 'label-issues.json')) && existsSync(join(dir, 'label-next.json')));
        assert.match(
          readFileSync(join(dir, 'label-issues.csv'), 'utf8'),
          /^sample_index,given_label,suggested_label,score,flagged,corrected\n/,
        );
        const queue = JSON.parse(readFileSync(join(dir, 'label-next.json'), 'utf8')) as {
          round: number;
          queue: unknown[];
        };
        assert.equal(queue.round, 3);
        assert.equal(queue.queue.length, 100);
      }
      const metrics = await c.metrics.expose();
      assert.match(metrics, new RegExp(`fedsift_curriculum_stage\\{run="${run.runId}"\\} 0.833`));
      assert.match(
        metrics,
        new RegExp(`fedsift_sample_weight_share\\{run="${run.runId}",bin="0.0"\\} 0\\.\\d+`),
        'the flagged samples are in the lowest weight bin',
      );
      assert.match(metrics, new RegExp(`fedsift_class_train_loss\\{run="${run.runId}",class="\\d"\\} \\d`));
      const status = formatRunStatus(s);
      assert.match(
        status,
        /sample weighting \(round 3, mean per client\): effective samples \d+\.\d, down-weighted \d+\.\d\d%/,
      );
      assert.match(status, /sample weights: \[0\.0, 0\.2\) \d+\.\d\d% · /);
    } finally {
      await Promise.all(clients.map((p) => stopChild(p.child)));
      await c.close();
    }
  });
});
