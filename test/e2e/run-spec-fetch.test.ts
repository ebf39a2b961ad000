import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PENGUINS, writeExample } from '../../coordinator/lab/examples/index.js';
import { stopChild } from '../../coordinator/lab/federation/index.js';
import { loadTf } from '../../shared/tf/index.js';
import { logLines, spawnSite } from '../helpers/client-processes.js';
import { startTestCoordinator, waitFor, waitForRunState } from '../helpers/coordinators.js';

describe('client daemon: the run spec', () => {
  it('logs "run spec fetched" once per run, and the spec round 0\'s feature statistics changed as an update', async () => {
    // Prepare: one penguin site; its run has a data schema, so round 0 gathers feature statistics and the spec changes
    const { tf } = await loadTf();
    const dir = mkdtempSync(join(tmpdir(), 'fedsift-spec-fetch-'));
    const example = await writeExample(tf, PENGUINS, { out: dir, sites: 1, seed: 0, rounds: 2 });
    const config = JSON.parse(readFileSync(example.run, 'utf8')) as Record<string, unknown>;
    const c = await startTestCoordinator();
    const site = spawnSite(c.address, 'penguins-1', ['--data', `csv:${example.sites[0]}`, '--schema', example.schema]);
    try {
      await waitFor('the site to join', () => (c.liveClients() === 1 ? true : undefined));
      // Execute
      const run = await c.manager.startRun(config);
      const s = await waitForRunState(c, run.runId, ['RUN_STATE_COMPLETED', 'RUN_STATE_FAILED']);
      // Assert: the daemon logs each round it trains before the run completes; count once the last one is logged
      assert.equal(s.state, 'RUN_STATE_COMPLETED', s.error);
      const lastRound = () => site.stderr().includes(`"run":"${run.runId}","round":${s.totalRounds}`);
      await waitFor('the last round in the log', () => (lastRound() ? true : undefined));
      const logged = (msg: string) => logLines(site.stderr(), msg).filter((l) => l.run === run.runId);
      assert.equal(logged('run spec fetched').length, 1, site.stderr());
      const updates = logged('run spec updated');
      assert.equal(updates.length, 1, site.stderr());
      assert.equal(updates[0]!.statistics, true, 'the update brought the feature statistics');
    } finally {
      await stopChild(site.child);
      await c.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
