import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRunConfig } from '../../../coordinator/config/index.js';
import { noisedUnclippedFraction, privateMeanModel } from '../../../coordinator/privacy/index.js';
import { createStrategy, type FitResult } from '../../../coordinator/strategies/index.js';
import { openFileSpill } from '../../../coordinator/spill/index.js';
import { AggregationError } from '../../../shared/errors/index.js';
import { addGaussianNoise } from '../../../shared/privacy/index.js';
import { assertClose } from '../../helpers/assert-close.js';
import { fedsiftError } from '../../helpers/fedsift-errors.js';
import { seededBytes } from '../../helpers/seeded-bytes.js';

// g = [1, 2], C = 1. Δ₁ = [3, 4] (‖·‖ 5, factor 0.2 → [0.6, 0.8]); Δ₂ = [0.5, 0] (0.5, kept); Δ₃ = [0, −1] (1, kept).
const GLOBAL = Float32Array.from([1, 2]);
const UPDATES = [Float32Array.from([4, 6]), Float32Array.from([1.5, 2]), Float32Array.from([1, 1])];
const NORMS = [5, 0.5, 1];
const CLIPPED_SUM = [0.6 + 0.5 + 0, 0.8 + 0 - 1];

/** The noise N(0, s²·I) of `length` coordinates that the byte source of `seed` gives first. */
function noiseOf(seed: number, stddev: number, length: number): Float64Array {
  const noise = new Float64Array(length);
  addGaussianNoise(noise, stddev, seededBytes(seed));
  return noise;
}

/** The running weighted mean M of the updates with weights `w` (what the strategy's accumulator folds). */
function weightedMean(w: number[]): Float32Array {
  const total = w.reduce((a, b) => a + b, 0);
  return Float32Array.from(GLOBAL, (_, i) => UPDATES.reduce((s, x, k) => s + w[k]! * x[i]!, 0) / total);
}

describe('privateMeanModel', () => {
  it('gives g + Σ clip(Δ_k)/m without noise: equal weights, each Δ scaled to at most C', () => {
    // Prepare
    const factors = NORMS.map((n) => Math.min(1, 1 / n));
    const mean = weightedMean(factors);

    // Execute
    const out = privateMeanModel(
      GLOBAL,
      mean,
      factors.reduce((a, b) => a + b, 0),
      3,
      0,
      seededBytes(1),
    );

    // Assert
    assert.equal(out, mean, 'written in place');
    assertClose(out, [1 + CLIPPED_SUM[0]! / 3, 2 + CLIPPED_SUM[1]! / 3], 1e-6);
  });

  it('adds N(0, σ²C²) to the sum, that is σC/m to the mean, drawn from the injected byte source', () => {
    // Prepare: σ·C = 0.8 on the sum.
    const factors = NORMS.map((n) => Math.min(1, 1 / n));
    const noise = noiseOf(7, 0.8, 2);

    // Execute
    const out = privateMeanModel(GLOBAL, weightedMean(factors), 2.2, 3, 0.8, seededBytes(7));

    // Assert
    assertClose(out, [1 + (CLIPPED_SUM[0]! + noise[0]!) / 3, 2 + (CLIPPED_SUM[1]! + noise[1]!) / 3], 1e-6);
    assert.ok(Math.abs(noise[0]!) > 1e-3, 'the seeded noise is not negligible, so the test can fail');
  });

  it('refuses a length mismatch, no update and a clipping-factor sum outside (0, m]', () => {
    const bad = fedsiftError(AggregationError, /private mean/);
    assert.throws(() => privateMeanModel(GLOBAL, new Float32Array(3), 1, 1, 0, seededBytes(1)), bad);
    assert.throws(() => privateMeanModel(GLOBAL, new Float32Array(2), 1, 0, 0, seededBytes(1)), bad);
    assert.throws(() => privateMeanModel(GLOBAL, new Float32Array(2), 2, 1, 0, seededBytes(1)), bad);
    assert.throws(() => privateMeanModel(GLOBAL, new Float32Array(2), 1, 1, NaN, seededBytes(1)), bad);
  });
});

describe('noisedUnclippedFraction', () => {
  it('is (Σ b_k + N(0, σ_b²)) / m with the injected source, and the plain share without noise', () => {
    assert.equal(noisedUnclippedFraction(2, 4, 0, seededBytes(3)), 0.5);
    assertClose([noisedUnclippedFraction(2, 4, 1.5, seededBytes(3))], [(2 + noiseOf(3, 1.5, 1)[0]!) / 4], 1e-12);
    assert.throws(() => noisedUnclippedFraction(5, 4, 1, seededBytes(3)), fedsiftError(AggregationError, /not in/));
  });
});

describe('DP-FedAvg in the FedAvg family (streaming)', () => {
  /** A strategy of the FedAvg family with central DP (fixed C = 1) and the seeded noise source. */
  function dpStrategy(name: string, noiseMultiplier: number, seed: number) {
    const config = parseRunConfig({
      clientsPerRound: 3,
      minClients: 1,
      strategy: name === 'fedavgm' ? { name, serverMomentum: 0.9, serverLearningRate: 1 } : { name },
      differentialPrivacy: { noiseMultiplier, clippingNorm: 1 },
    });
    return createStrategy(config, { openSpill: openFileSpill, randomBytes: seededBytes(seed) });
  }

  const fit = (k: number, extra: Partial<FitResult> = {}): FitResult => ({
    clientId: `c${k}`,
    numExamples: 10 ** k, // DP ignores example counts: every client weighs the same
    weights: { specs: [{ name: 'w', shape: [2], dtype: 'float32' }], values: UPDATES[k]! },
    metrics: {},
    updateNorm: NORMS[k]!,
    ...extra,
  });

  it('folds clipped updates with equal weights plus seeded noise, whatever their example counts', () => {
    // Prepare
    const strategy = dpStrategy('fedavg', 0.5, 11);
    const global = { specs: [{ name: 'w', shape: [2], dtype: 'float32' as const }], values: GLOBAL.slice() };
    const acc = strategy.beginAggregation(1, global);

    // Execute
    for (const k of [0, 1, 2]) acc.add(fit(k));
    const out = acc.finish([]).weights.values;

    // Assert: σC = 0.5 on the sum.
    const noise = noiseOf(11, 0.5, 2);
    assertClose(out, [1 + (CLIPPED_SUM[0]! + noise[0]!) / 3, 2 + (CLIPPED_SUM[1]! + noise[1]!) / 3], 1e-6);
    assert.equal(strategy.privacy?.clippingNorm, 1, 'fixed clipping keeps C');
  });

  it('applies FedAvgM momentum to the noised mean (post-processing)', () => {
    // Prepare: round 1 of FedAvgM with η = 1: v = mean − g, w = g + v = the noised mean itself.
    const strategy = dpStrategy('fedavgm', 0, 1);
    const global = { specs: [{ name: 'w', shape: [2], dtype: 'float32' as const }], values: GLOBAL.slice() };
    const acc = strategy.beginAggregation(1, global);
    for (const k of [0, 1, 2]) acc.add(fit(k));

    // Execute
    acc.finish([]);

    // Assert: the momentum is the clipped mean delta.
    assertClose(strategy.serverState().momentum!, [CLIPPED_SUM[0]! / 3, CLIPPED_SUM[1]! / 3], 1e-6);
  });

  it('refuses an update whose norm the intake did not measure', () => {
    const strategy = dpStrategy('fedavg', 1, 1);
    const global = { specs: [{ name: 'w', shape: [2], dtype: 'float32' as const }], values: GLOBAL.slice() };
    const acc = strategy.beginAggregation(1, global);
    const { updateNorm: _, ...unmeasured } = fit(0);
    assert.throws(() => acc.add(unmeasured), fedsiftError(AggregationError, /client c0: differential privacy needs/));
  });
});
