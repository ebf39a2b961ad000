import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRng, deriveSeed, dirichlet, gamma, sampleWithoutReplacement } from '../../../shared/random/index.js';

describe('seeded randomness', () => {
  it('repeats a sequence for the same seed and differs across seeds', () => {
    const seq = (s: number) =>
      Array.from(
        { length: 5 },
        (
          (r) => () =>
            r.next()
        )(createRng(s)),
      );
    assert.deepEqual(seq(42), seq(42));
    assert.notDeepEqual(seq(42), seq(43));
    assert.ok(seq(1).every((x) => x >= 0 && x < 1));
    assert.notEqual(deriveSeed(1, 'select', 1), deriveSeed(1, 'select', 2));
  });

  it('draws Gamma with the right mean and Dirichlet proportions that sum to 1', () => {
    const rng = createRng(5);
    for (const shape of [0.3, 1, 4]) {
      const n = 20_000;
      let sum = 0;
      for (let i = 0; i < n; i++) sum += gamma(rng, shape);
      assert.ok(Math.abs(sum / n - shape) < 0.05 * Math.max(1, shape), `Gamma(${shape}) mean ${sum / n}`);
    }
    const p = dirichlet(rng, 0.5, 10);
    assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-12);
    assert.throws(() => gamma(rng, 0), RangeError);
  });

  it('keeps a tiny-α Dirichlet draw skewed where every Gamma draw underflows to 0', () => {
    const rng = createRng(3);
    for (let i = 0; i < 20; i++) {
      const p = dirichlet(rng, 1e-6, 10);
      assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-12);
      assert.ok(Math.max(...p) > 0.99, `α = 1e-6 gave ${p.map((x) => x.toFixed(3)).join(' ')}`);
    }
  });

  it('samples distinct items', () => {
    const s = sampleWithoutReplacement(createRng(1), ['a', 'b', 'c', 'd'], 3);
    assert.equal(new Set(s).size, 3);
    assert.equal(sampleWithoutReplacement(createRng(1), ['a'], 3).length, 1);
  });
});
