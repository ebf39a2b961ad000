import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runNoiseExperiment } from '../../coordinator/lab/experiments/index.js';
import { createLogger } from '../../shared/logging/index.js';

describe('the label-noise experiment harness', () => {
  it('runs clean, plain and weighted arms on real client processes and scores detection against the injected noise', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'fedsift-noise-test-'));
    const options = {
      clients: 2,
      noisyClients: 1,
      rounds: 3,
      localEpochs: 1,
      models: ['mlp'],
      alpha: 0.5,
      seeds: [3],
      noise: ['symmetric:0.4'],
      variants: ['cl-correct'],
      ceiling: true,
      out: join(dir, 'results.json'),
      table: join(dir, 'results.md'),
    };
    const printed: string[] = [];
    // Execute
    const arms = await runNoiseExperiment(options, createLogger({ name: 'test', level: 'error' }), (l) =>
      printed.push(l),
    );
    // Assert
    assert.deepEqual(
      arms.map((a) => [a.noise, a.variant, a.state, a.rounds.length]),
      [
        ['none', 'plain', 'RUN_STATE_COMPLETED', 3],
        ['symmetric:0.4', 'plain', 'RUN_STATE_COMPLETED', 3],
        ['symmetric:0.4', 'cl-correct', 'RUN_STATE_COMPLETED', 3],
      ],
    );
    const [clean, plain, weighted] = arms as [(typeof arms)[0], (typeof arms)[0], (typeof arms)[0]];
    // 3 rounds on 2 sites: the noisy run can end level with or above the clean one; then there is no gap to close.
    if (clean.meanLast5 > plain.meanLast5)
      assert.equal(weighted.gapClosed, (weighted.meanLast5 - plain.meanLast5) / (clean.meanLast5 - plain.meanLast5));
    else assert.match(weighted.gapUnavailable ?? '', /^no gap to close/);
    assert.equal(plain.noisySites, undefined, 'plain training scores no labels');
    const detection = weighted.noisySites!;
    assert.equal(detection.auroc.length, 1, 'one noisy site');
    assert.ok(
      detection.auroc[0]! > 0.8 && detection.precision[0]! > 0.5 && detection.recall[0]! > 0.5,
      JSON.stringify(detection),
    );
    assert.ok(weighted.cleanFlaggedShare! < 0.15, `clean site flagged ${weighted.cleanFlaggedShare}`);
    assert.ok(weighted.overhead > 0 && weighted.overhead < 2, `overhead ${weighted.overhead}`);
    const table = readFileSync(options.table, 'utf8').trim().split('\n');
    const armRows = table.filter((l) => l.startsWith('| mlp | 3 |'));
    assert.equal(armRows.length, 3, 'one row per arm');
    assert.deepEqual(
      printed.filter((l) => l.startsWith('| mlp | 3 |')),
      armRows,
    );
    const summary = table.filter((l) => /^\| mlp \| (none|symmetric:0\.4) \| \S+ \| 1\/1 \|/.test(l));
    assert.equal(summary.length, 3, 'one summary row per arm over the one seed');
    const saved = JSON.parse(readFileSync(options.out, 'utf8')) as { arms: { seed: number }[]; summary: unknown[] };
    assert.deepEqual(
      saved.arms.map((a) => a.seed),
      [3, 3, 3],
    );
    assert.equal(saved.summary.length, 3);
  });
});
