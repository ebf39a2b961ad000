import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { injectLabelNoise, parseLabelNoise } from '../../../client-node/attacks/index.js';
import { createRng } from '../../../shared/random/index.js';

describe('injected label noise (fault injection for experiments)', () => {
  const labels = Int32Array.from({ length: 10_000 }, (_, i) => i % 10);

  it('symmetric: flips about the rate, always to another class, spread over the others', () => {
    const { labels: noisy, flipped } = injectLabelNoise(labels, 10, { kind: 'symmetric', rate: 0.4 }, createRng(1));
    const n = flipped.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(n / 10_000 - 0.4) < 0.02, `flipped ${n}`);
    assert.ok([...noisy].every((y, i) => (flipped[i] ? y !== labels[i] : y === labels[i])));
    const targetsOfZero = new Set([...noisy].filter((_, i) => flipped[i] && labels[i] === 0));
    assert.equal(targetsOfZero.size, 9, 'class 0 flips to each of the 9 other classes');
    assert.deepEqual(
      injectLabelNoise(labels, 10, { kind: 'symmetric', rate: 0.4 }, createRng(1)).labels,
      noisy,
      'seeded',
    );
  });

  it('pair: flips class c to c + 1 mod K; rate 0 flips nothing', () => {
    const { labels: noisy, flipped } = injectLabelNoise(labels, 10, { kind: 'pair', rate: 0.45 }, createRng(2));
    assert.ok([...noisy].every((y, i) => !flipped[i] || y === (labels[i]! + 1) % 10));
    assert.equal(
      injectLabelNoise(labels, 10, { kind: 'pair', rate: 0 }, createRng(2)).flipped.reduce((a, b) => a + b, 0),
      0,
    );
    assert.throws(() => injectLabelNoise(labels, 10, { kind: 'pair', rate: 1 }, createRng(2)), RangeError);
  });

  it('parses kind:rate[:seed]', () => {
    assert.deepEqual(parseLabelNoise('symmetric:0.4'), { kind: 'symmetric', rate: 0.4, seed: 0 });
    assert.deepEqual(parseLabelNoise('pair:0.45:7'), { kind: 'pair', rate: 0.45, seed: 7 });
    assert.equal(parseLabelNoise('pair:1.2'), undefined);
    assert.equal(parseLabelNoise('gaussian:0.1'), undefined);
  });
});
