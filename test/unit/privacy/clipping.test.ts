import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  adaptiveUpdateNoiseMultiplier,
  clipFactor,
  clipInPlace,
  nextClippingNorm,
} from '../../../shared/privacy/index.js';

describe('clipping', () => {
  it('keeps vectors within the norm and scales longer ones to it', () => {
    const below = new Float32Array([0.375, 0.5]); // norm 0.625, exact in float32
    assert.deepEqual(clipInPlace(below, 1), { norm: 0.625, factor: 1 });
    assert.deepEqual(below, new Float32Array([0.375, 0.5]));
    const above = new Float32Array([3, 4]); // norm 5
    assert.deepEqual(clipInPlace(above, 2), { norm: 5, factor: 0.4 });
    assert.deepEqual(above, new Float32Array([1.2, 1.6]));
    assert.equal(clipFactor(2, 2), 1);
    assert.deepEqual(clipInPlace(new Float32Array(3), 1), { norm: 0, factor: 1 });
  });

  it('refuses a non-positive clipping norm and a non-finite update', () => {
    assert.throws(() => clipFactor(1, 0), /clipping norm 0/);
    assert.throws(() => clipFactor(Number.NaN, 1), /update norm NaN/);
    assert.throws(() => clipInPlace(new Float32Array([Infinity]), 1), /update norm Infinity/);
  });
});

describe('adaptive clipping', () => {
  it('leaves the updates σ_Δ = (σ⁻² − (2σ_b)⁻²)^−½', () => {
    // σ = 1, σ_b = 1: (1 − 1/4)^−½ = 2/√3.
    assert.ok(Math.abs(adaptiveUpdateNoiseMultiplier(1, 1) - 2 / Math.sqrt(3)) < 1e-15);
    assert.equal(adaptiveUpdateNoiseMultiplier(0, 0.5), 0);
    assert.throws(() => adaptiveUpdateNoiseMultiplier(1, 0.5), /noiseMultiplier 1 ≥ 2 × clippedCountStddev 0.5/);
    assert.throws(() => adaptiveUpdateNoiseMultiplier(1, -1), /clippedCountStddev -1/);
  });

  it('moves the clipping norm geometrically towards the target quantile', () => {
    // Fewer unclipped than the target: C grows; more: C shrinks; on target: unchanged.
    assert.equal(nextClippingNorm(0.1, 0.5, 0.5, 0.2), 0.1);
    assert.ok(Math.abs(nextClippingNorm(0.1, 0, 0.5, 0.2) - 0.1 * Math.exp(0.1)) < 1e-15);
    assert.ok(Math.abs(nextClippingNorm(0.1, 1.2, 0.5, 0.2) - 0.1 * Math.exp(-0.14)) < 1e-15);
    assert.throws(() => nextClippingNorm(0.1, 0.5, 1.5, 0.2), /targetQuantile 1.5/);
    assert.throws(() => nextClippingNorm(0.1, 0.5, 0.5, 0), /clipNormLr 0/);
  });
});
