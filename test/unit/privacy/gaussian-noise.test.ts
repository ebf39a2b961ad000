import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addGaussianNoise } from '../../../shared/privacy/index.js';
import { logErfc } from '../../../shared/privacy/log-math.js';
import { seededBytes } from '../../helpers/seeded-bytes.js';

/** Standard normal CDF Φ(x) = erfc(−x/√2)/2. */
const normalCdf = (x: number): number => Math.exp(logErfc(-x / Math.SQRT2)) / 2;

describe('addGaussianNoise', () => {
  const n = 200_000;
  const stddev = 2.5;
  const noise = new Float64Array(n);
  addGaussianNoise(noise, stddev, seededBytes(7));

  it('draws mean 0 and variance stddev² (200,000 draws)', () => {
    const mean = noise.reduce((s, v) => s + v, 0) / n;
    const variance = noise.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1);
    assert.ok(Math.abs(mean) < (4 * stddev) / Math.sqrt(n), `mean ${mean}`);
    assert.ok(Math.abs(variance / stddev ** 2 - 1) < 0.02, `variance ${variance}`);
  });

  it('follows the normal CDF (Kolmogorov–Smirnov, α = 0.001)', () => {
    const sorted = Float64Array.from(noise, (v) => v / stddev).sort();
    let d = 0;
    sorted.forEach((x, i) => {
      const cdf = normalCdf(x);
      d = Math.max(d, Math.abs(cdf - i / n), Math.abs((i + 1) / n - cdf));
    });
    assert.ok(d < 1.95 / Math.sqrt(n), `KS distance ${d}`);
  });

  it('repeats with the same seed, adds to the values, and differs between calls with the secure source', () => {
    const a = new Float32Array([1, 2, 3]);
    const b = new Float32Array([1, 2, 3]);
    addGaussianNoise(a, 0.5, seededBytes(3));
    addGaussianNoise(b, 0.5, seededBytes(3));
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, new Float32Array([1, 2, 3]));
    const c = new Float32Array(8);
    const d = new Float32Array(8);
    addGaussianNoise(c, 1);
    addGaussianNoise(d, 1);
    assert.notDeepEqual(c, d);
  });

  it('leaves values alone at stddev 0 and refuses a negative stddev', () => {
    const v = new Float32Array([1, -1]);
    addGaussianNoise(v, 0, () => assert.fail('no bytes needed'));
    assert.deepEqual(v, new Float32Array([1, -1]));
    assert.throws(() => addGaussianNoise(v, -1), /noise stddev -1/);
  });
});

describe('logErfc', () => {
  it('agrees with known values across the series, continued-fraction and negative ranges', () => {
    // erfc values from Abramowitz & Stegun Table 7.1 and the asymptotic series.
    const cases: [number, number][] = [
      [0, 1],
      [0.5, 0.4795001221869535],
      [2, 0.004677734981047266],
      [3, 2.209049699858544e-5],
      [5, 1.5374597944280349e-12],
      [-1, 1.8427007929497148],
    ];
    for (const [x, erfc] of cases) assert.ok(Math.abs(logErfc(x) - Math.log(erfc)) < 1e-11, `erfc(${x})`);
    assert.ok(Math.abs(logErfc(30) - (-900 - Math.log(30 * Math.sqrt(Math.PI)) + Math.log1p(-1 / 1800))) < 1e-6);
  });
});
