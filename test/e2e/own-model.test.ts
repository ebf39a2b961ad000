import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PENGUINS, writeExample } from '../../coordinator/lab/examples/index.js';
import { stopChild } from '../../coordinator/lab/federation/index.js';
import { loadTf } from '../../shared/tf/index.js';
import { spawnSite } from '../helpers/client-processes.js';
import { startTestCoordinator, waitFor, waitForRunState } from '../helpers/coordinators.js';
import { trainCentrally, type CentralRun } from '../helpers/central-training.js';

const ROUNDS = 20;

describe('bring your own model and data', () => {
  it('a tfjs model.json of 9 inputs trains on real penguin tables across 3 site processes: ≥ 20 points above the majority class, within 3 of central training', async (t) => {
    // Prepare
    const { tf } = await loadTf();
    const dir = mkdtempSync(join(tmpdir(), 'fedsift-penguins-'));
    const example = await writeExample(tf, PENGUINS, { out: dir, sites: 3, seed: 0, rounds: ROUNDS });
    const config = JSON.parse(readFileSync(example.run, 'utf8')) as CentralRun & Record<string, unknown>;
    const c = await startTestCoordinator();
    const sites = example.sites.map((path, k) =>
      spawnSite(c.address, `penguins-${k + 1}`, ['--data', `csv:${path}`, '--schema', example.schema]),
    );
    try {
      await waitFor('3 live sites', () => (c.liveClients() === 3 ? true : undefined));
      // Execute
      const run = await c.manager.startRun(config);
      const s = await waitForRunState(c, run.runId, ['RUN_STATE_COMPLETED', 'RUN_STATE_FAILED']);
      // Assert
      assert.equal(s.state, 'RUN_STATE_COMPLETED', s.error);
      assert.equal(s.rounds.length, ROUNDS, 'round 0 (statistics) is not a training round');
      const stats = s.featureStatistics!;
      assert.equal(stats.sites, 3);
      const siteRows = example.sites.map((p) => readFileSync(p, 'utf8').trim().split('\n').length - 1);
      assert.equal(
        stats.rows,
        siteRows.reduce((a, b) => a + b),
      );
      const testLabels = readFileSync(example.test, 'utf8').trim().split('\n').slice(1).map(speciesOf);
      const majority = Math.max(
        ...['Adelie', 'Chinstrap', 'Gentoo'].map((k) => testLabels.filter((y) => y === k).length),
      );
      const baseline = majority / testLabels.length;
      const federated = s.rounds.at(-1)!.testAccuracy;
      assert.ok(federated >= baseline + 0.2, `federated ${federated} vs majority ${baseline}`);
      const central = await trainCentrally(tf, example, config);
      t.diagnostic(`majority ${baseline}, federated ${federated}, central ${central}`);
      assert.ok(
        Math.abs(federated - central) <= 0.03,
        `federated ${federated} vs central ${central} (same model, seed and epochs)`,
      );
    } finally {
      await Promise.all(sites.map((p) => stopChild(p.child)));
      await c.close();
    }
  });
});

/** The Species cell of a penguins CSV line (the first column). */
function speciesOf(line: string): string {
  return line.split(',')[0]!;
}
