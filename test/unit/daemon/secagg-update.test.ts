import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { privatizeDeltaInPlace, secAggDelta, secAggExamples } from '../../../client-node/daemon/index.js';
import { CLIENT_METRICS } from '../../../shared/contract/index.js';
import { clipInPlace } from '../../../shared/privacy/index.js';
import { assertClose } from '../../helpers/assert-close.js';
import { seededBytes } from '../../helpers/seeded-bytes.js';

// g = [1, 2, 0], w = [4, 6, 0]: δ = [3, 4, 0], ‖δ‖ = 5.
const GLOBAL = Float32Array.from([1, 2, 0]);
const TRAINED = Float32Array.from([4, 6, 0]);
const norm = (v: Float32Array) => Math.hypot(...v);
const neverDrawn = () => assert.fail('no noise is drawn without local privacy');

describe('the masked input of a SecAgg+ round (secAggDelta, secAggExamples)', () => {
  it('is the delta w − g, untouched without clipping or local privacy, and leaves w and g alone', () => {
    const delta = secAggDelta(TRAINED, GLOBAL, { clippingNorm: 0 }, neverDrawn);
    assert.deepEqual([...delta], [3, 4, 0]);
    assert.deepEqual([...TRAINED, ...GLOBAL], [4, 6, 0, 1, 2, 0]);
  });

  it('clips the delta to the announced L2 clipping norm, keeping its direction, and leaves a shorter one as it is', () => {
    const clipped = secAggDelta(TRAINED, GLOBAL, { clippingNorm: 2.5 }, neverDrawn);
    const within = secAggDelta(TRAINED, GLOBAL, { clippingNorm: 10 }, neverDrawn);
    assertClose(clipped, [1.5, 2, 0], 1e-6, 'clipped delta');
    assert.deepEqual([...within], [3, 4, 0]);
  });

  it('privatizes first with local DP, then clips what is masked to the central norm', () => {
    // Prepare: local C = 4 with σ = 1 (noise of std 4, so the noised delta's norm exceeds 1), central C = 1
    const local = { noiseMultiplier: 1, clippingNorm: 4 };
    const expected = Float32Array.from([3, 4, 0]);
    privatizeDeltaInPlace(expected, local, seededBytes(5));
    const noisedNorm = norm(expected);
    clipInPlace(expected, 1);
    // Execute
    const delta = secAggDelta(TRAINED, GLOBAL, { localPrivacy: local, clippingNorm: 1 }, seededBytes(5));
    // Assert: the same noise, then the central clip: the masked delta has norm 1 although the noised one had more
    assert.ok(noisedNorm > 1, `noised norm ${noisedNorm}`);
    assertClose(delta, expected, 1e-6, 'privatized, clipped delta');
    assert.ok(Math.abs(norm(delta) - 1) < 1e-6);
  });

  it('refuses a clipping norm that is negative or not a number, and a delta with NaN when it clips', () => {
    assert.throws(() => secAggDelta(TRAINED, GLOBAL, { clippingNorm: -1 }, neverDrawn), {
      name: 'RangeError',
      message: /SecAgg\+ clipping norm -1 is not a finite number ≥ 0/,
    });
    assert.throws(() => secAggDelta(TRAINED, GLOBAL, { clippingNorm: NaN }, neverDrawn), RangeError);
    const nan = Float32Array.from([4, NaN, 0]);
    assert.throws(() => secAggDelta(nan, GLOBAL, { clippingNorm: 1 }, neverDrawn), /update norm NaN/);
  });

  const EQUAL = { equalWeights: true, effectiveExamples: false };
  const RAW = { equalWeights: false, effectiveExamples: false };
  const EFFECTIVE = { equalWeights: false, effectiveExamples: true };

  it('weighs maxWeight examples under equal weights, whatever the site trained on', () => {
    const fit = { numExamples: 37, metrics: { [CLIENT_METRICS.effectiveExamples]: 20 } };
    assert.equal(secAggExamples(fit, EQUAL, 1000), 1000);
    assert.equal(secAggExamples({ numExamples: 0, metrics: {} }, EQUAL, 1000), 1000);
  });

  it('weighs the raw count, or under fedavg-effective the effective count when weighting ran (capped at the raw one)', () => {
    const weighted = (eff: number) => ({ numExamples: 300, metrics: { [CLIENT_METRICS.effectiveExamples]: eff } });
    assert.equal(secAggExamples({ numExamples: 300, metrics: {} }, RAW, 1000), 300);
    assert.equal(secAggExamples(weighted(212.5), RAW, 1000), 300, 'plain fedavg weighs the raw count');
    assert.equal(secAggExamples({ numExamples: 0, metrics: {} }, EFFECTIVE, 1000), 0);
    assert.equal(secAggExamples({ numExamples: 300, metrics: {} }, EFFECTIVE, 1000), 300);
    assert.equal(secAggExamples(weighted(212.5), EFFECTIVE, 1000), 212.5);
    assert.equal(secAggExamples(weighted(450), EFFECTIVE, 1000), 300); // capped at the raw count, as fedavg-effective does
    assert.equal(secAggExamples(weighted(NaN), EFFECTIVE, 1000), 300);
  });
});
