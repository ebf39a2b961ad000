import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  armRow,
  COMPLETED,
  summarizeNoise,
  summaryTable,
  type NoiseArm,
} from '../../../../coordinator/lab/experiments/index.js';
import { assertClose } from '../../../helpers/assert-close.js';

/** A completed arm with mean of last 5 = final = `acc`, or a failed one when `error` is given. */
function arm(model: string, seed: number, noise: string, variant: string, acc: number, error?: string): NoiseArm {
  return {
    model,
    seed,
    noise,
    variant,
    state: error ? 'RUN_STATE_FAILED' : COMPLETED,
    error: error ?? '',
    attempts: error ? 2 : 1,
    failures: error ? [error, error] : [],
    finalAccuracy: error ? NaN : acc,
    bestAccuracy: error ? NaN : acc,
    meanLast5: error ? NaN : acc,
    gapClosed: NaN,
    overhead: NaN,
    wallSeconds: 1,
    rounds: [],
  };
}

/** One seed's clean, noisy-plain and cl-correct arms on the MLP; a string for the noisy arm is its failure. */
function seedArms(seed: number, clean: number, noisy: number | string, variant: number): NoiseArm[] {
  return [
    arm('mlp', seed, 'none', 'plain', clean),
    typeof noisy === 'number'
      ? arm('mlp', seed, 'pair:0.4', 'plain', noisy)
      : arm('mlp', seed, 'pair:0.4', 'plain', NaN, noisy),
    arm('mlp', seed, 'pair:0.4', 'cl-correct', variant),
  ];
}

const plan = { models: ['mlp'], seeds: [0, 1], noise: ['pair:0.4'], variants: ['cl-correct'], ceiling: true };

describe('summarizeNoise: arms over seeds', () => {
  it('gives mean ± sd per arm and the gap closed per seed and on the paired means', () => {
    // Prepare: seed 0 gap 0.95 − 0.90 = 0.05, closed 0.04 → 0.8; seed 1 gap 0.06, closed 0.03 → 0.5
    const arms = [...seedArms(0, 0.95, 0.9, 0.94), ...seedArms(1, 0.97, 0.91, 0.94)];
    // Execute
    const rows = summarizeNoise(arms, plan);
    // Assert
    assert.deepEqual(
      rows.map((r) => [r.noise, r.variant]),
      [
        ['none', 'plain'],
        ['pair:0.4', 'plain'],
        ['pair:0.4', 'cl-correct'],
      ],
    );
    const [clean, , variant] = rows as [(typeof rows)[0], (typeof rows)[0], (typeof rows)[0]];
    assertClose(
      [clean.finalAccuracy.mean, clean.finalAccuracy.std, clean.finalAccuracy.n],
      [0.96, Math.sqrt(0.0002), 2],
    );
    assert.equal(clean.gapPerSeed, undefined, 'a baseline has no gap');
    assertClose(
      variant.gapPerSeed!.map((g) => (g.gap.ok ? g.gap.ratio : NaN)),
      [0.8, 0.5],
    );
    // means: clean 0.96, noisy 0.905, variant 0.94 → 0.035 / 0.055
    assert.deepEqual(variant.gapOfMeans!.seeds, [0, 1]);
    assertClose([variant.gapOfMeans!.gap.ok ? variant.gapOfMeans!.gap.ratio : NaN], [0.035 / 0.055]);
  });

  it('never averages a failed seed silently: lists it, and shows the variant gap unavailable naming the failed baseline', () => {
    // Prepare: seed 1's noisy baseline failed twice
    const arms = [
      ...seedArms(0, 0.95, 0.9, 0.94),
      ...seedArms(1, 0.97, 'RUN_STATE_FAILED: only 8 of the 10 clients joined', 0.94),
    ];
    // Execute
    const rows = summarizeNoise(arms, plan);
    const table = summaryTable(rows, plan.seeds, true).join('\n');
    // Assert
    const noisy = rows[1]!;
    assert.deepEqual(noisy.failed, [{ seed: 1, reason: 'RUN_STATE_FAILED: only 8 of the 10 clients joined' }]);
    assert.equal(noisy.finalAccuracy.n, 1);
    const gap1 = rows[2]!.gapPerSeed![1]!.gap;
    assert.deepEqual(gap1, {
      ok: false,
      reason: 'noisy baseline (plain) failed: RUN_STATE_FAILED: only 8 of the 10 clients joined',
    });
    assert.deepEqual(rows[2]!.gapOfMeans!.seeds, [0], 'the mean pairs only seeds with all three arms');
    assert.match(
      table,
      /\| pair:0\.4 \| plain \| 1\/2 \(seed 1 failed: RUN_STATE_FAILED: only 8 of the 10 clients joined\) \|/,
    );
    assert.match(table, /1: — \(noisy baseline \(plain\) failed: .*\) \| 80\.00% \(seeds 0 only\) \|$/m);
  });

  it('counts a missing arm as failed ("not run")', () => {
    // Execute
    const rows = summarizeNoise([arm('mlp', 0, 'none', 'plain', 0.95)], { ...plan, seeds: [0] });
    // Assert
    assert.deepEqual(rows[2]!.failed, [{ seed: 0, reason: 'not run' }]);
    assert.deepEqual(rows[2]!.gapOfMeans!.gap.ok, false);
  });

  it('says the gap is unavailable when the clean ceiling arm is skipped', () => {
    // Prepare
    const arms = [arm('cnn', 0, 'pair:0.4', 'plain', 0.9), arm('cnn', 0, 'pair:0.4', 'cl-correct', 0.94)];
    const noCeiling = { ...plan, models: ['cnn'], seeds: [0], ceiling: false };
    // Execute
    const rows = summarizeNoise(arms, noCeiling);
    const table = summaryTable(rows, [0], false);
    // Assert
    assert.equal(rows.length, 2, 'no clean row');
    assert.deepEqual(rows[1]!.gapPerSeed![0]!.gap, { ok: false, reason: 'no clean arm (--no-ceiling)' });
    assert.match(table[0]!, /^Clean-label ceiling arm skipped \(--no-ceiling\): gap closed unavailable/);
  });

  it('prints a failed arm with its attempts and reason, escaping a pipe in the message', () => {
    // Prepare
    const failed = arm('mlp', 2, 'pair:0.4', 'plain', NaN, 'DID_NOT_RUN: a|b');
    // Execute
    const row = armRow(failed);
    // Assert
    assert.match(row, /^\| mlp \| 2 \| pair:0\.4 \| plain — FAILED after 2 attempt\(s\): DID_NOT_RUN: a\\\|b \| — \|/);
  });
});
