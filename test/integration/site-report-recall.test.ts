import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { NOISE_VARIANTS } from '../../coordinator/lab/experiments/index.js';
import { simulate } from '../../coordinator/lab/simulation/index.js';
import { SITE_SUMMARY_FILE, type SiteSummary } from '../../shared/contract/index.js';

/** 10 virtual MLP clients on 300 digits each, 40% symmetric noise on clients 0–4, 8 rounds of 2 local epochs. */
async function noisySiteSummaries(variant: 'cl-drop' | 'cl-correct'): Promise<SiteSummary[]> {
  const reportDir = mkdtempSync(join(tmpdir(), `fedsift-recall-${variant}-`));
  try {
    const { strategy, weighting } = NOISE_VARIANTS[variant]!;
    const r = await simulate({
      clients: 10,
      samplesPerClient: 300,
      labelNoise: 'symmetric:0.4',
      noisyClients: 5,
      reportDir,
      run: {
        rounds: 8,
        clientsPerRound: 10,
        minClients: 10,
        model: 'mlp',
        localEpochs: 2,
        seed: 0,
        strategy,
        weighting,
      },
    });
    return r.noisyClientIndices.map((i) => {
      const site = join(reportDir, `sim-${i}`);
      const [run] = readdirSync(site); // one run per simulation
      return JSON.parse(readFileSync(join(site, run!, SITE_SUMMARY_FILE), 'utf8')) as SiteSummary;
    });
  } finally {
    rmSync(reportDir, { recursive: true, force: true });
  }
}

/** Recall over the noisy sites together: flipped labels the reports flag / flipped labels. */
function pooledRecall(sites: SiteSummary[]): number {
  const found = sites.reduce((a, s) => a + s.detection!.recall * s.detection!.noisy, 0);
  return found / sites.reduce((a, s) => a + s.detection!.noisy, 0);
}

describe("the site's label-issue report on real digits", () => {
  it('finds no fewer flipped labels with correction and label smoothing on than with them off', async () => {
    // Execute: the same federation, seed and noise; confident-learning drop vs drop + correction + smoothing ε = 0.1
    const off = await noisySiteSummaries('cl-drop');
    const on = await noisySiteSummaries('cl-correct');
    // Assert
    assert.equal(on.length, 5);
    const [recallOff, recallOn] = [pooledRecall(off), pooledRecall(on)];
    assert.ok(recallOn >= recallOff, `recall with correction ${recallOn.toFixed(3)}, without ${recallOff.toFixed(3)}`);
    assert.ok(
      on.every((s) => s.round === 8 && s.detection!.curve!.length > 0),
      'each noisy site reported the last round with its precision–recall curve',
    );
  });
});
