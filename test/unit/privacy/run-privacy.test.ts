import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RunPrivacy, type DifferentialPrivacyConfig } from '../../../coordinator/privacy/index.js';
import { AggregationError, DataError } from '../../../shared/errors/index.js';
import { addGaussianNoise, nextClippingNorm } from '../../../shared/privacy/index.js';
import { assertClose } from '../../helpers/assert-close.js';
import { fedsiftError } from '../../helpers/fedsift-errors.js';
import { seededBytes } from '../../helpers/seeded-bytes.js';

const ADAPTIVE: DifferentialPrivacyConfig = {
  mode: 'central',
  noiseMultiplier: 0, // no update noise: the tests follow C, which only the count noise moves
  delta: 1e-5,
  targetEpsilon: null,
  adaptiveClipping: { initialClippingNorm: 1, targetClippedQuantile: 0.5, clipNormLr: 0.2, clippedCountStddev: 0 },
};

/** One round at the current clipping norm over updates of the given norms; returns the C it used. */
function playRound(privacy: RunPrivacy, norms: number[]): number {
  const round = privacy.beginRound()!;
  const weights = norms.map((n, k) => round.weightOf(n, `client ${k}`));
  const g = new Float32Array(1);
  round.finish(
    g,
    new Float32Array(1),
    weights.reduce((a, b) => a + b, 0),
    norms.length,
  );
  return round.clippingNorm;
}

describe('RunPrivacy', () => {
  it('moves an adaptive clipping norm by C·exp(−η(b − γ)) over 3 rounds of fixed norms', () => {
    // Prepare: norms 0.5, 2, 3; C₀ = 1, γ = 0.5, η = 0.2, no count noise. Unclipped share b: 1/3, 1/3, 1/3 (C stays < 2).
    const privacy = new RunPrivacy(ADAPTIVE, seededBytes(1));

    // Execute
    const used = [0, 1, 2].map(() => playRound(privacy, [0.5, 2, 3]));

    // Assert
    const step = Math.exp(-0.2 * (1 / 3 - 0.5));
    assertClose(used, [1, step, step ** 2], 1e-12, 'C per round');
    assertClose([privacy.clippingNorm], [step ** 3], 1e-12);
  });

  it('draws the count noise from the injected source: b̃ = (Σb + N(0, σ_b²))/m', () => {
    // Prepare: σ_b = 0.8; the first draw of seed 5 is the count noise.
    const config = { ...ADAPTIVE, adaptiveClipping: { ...ADAPTIVE.adaptiveClipping!, clippedCountStddev: 0.8 } };
    const privacy = new RunPrivacy(config, seededBytes(5));

    // Execute
    playRound(privacy, [0.5, 2, 3]);

    // Assert: the same draw through the pure steps.
    const noise = new Float64Array(1);
    addGaussianNoise(noise, 0.8, seededBytes(5));
    assertClose([privacy.clippingNorm], [nextClippingNorm(1, (1 + noise[0]!) / 3, 0.5, 0.2)], 1e-12);
    assert.notEqual(privacy.clippingNorm, Math.exp(-0.2 * (1 / 3 - 0.5)), 'the noise changed C');
  });

  it('counts an update at exactly C as unclipped and gives clipping factors min(1, C/‖Δ‖)', () => {
    const fixed: DifferentialPrivacyConfig = {
      mode: 'central',
      noiseMultiplier: 1,
      clippingNorm: 2,
      delta: 1e-5,
      targetEpsilon: null,
    };
    const round = new RunPrivacy(fixed).beginRound()!;
    assertClose([round.weightOf(0, 'a'), round.weightOf(2, 'b'), round.weightOf(8, 'c')], [1, 1, 0.25], 1e-15);
  });

  it('weighs a SecAgg+ mean of m client-clipped updates m, and refuses one under adaptive clipping', () => {
    const fixed = new RunPrivacy({ ...ADAPTIVE, adaptiveClipping: undefined, clippingNorm: 1 }, seededBytes(3));
    assert.equal(fixed.beginRound()!.weightOfClippedMean(4, 'secagg-sum'), 4);
    assert.throws(
      () => new RunPrivacy(ADAPTIVE, seededBytes(3)).beginRound()!.weightOfClippedMean(4, 'secagg-sum'),
      fedsiftError(AggregationError, /secagg-sum: adaptive clipping needs single update norms/),
    );
  });

  it('uses the adaptive update noise (σ⁻² − (2σ_b)⁻²)^−½ on the sum and σ itself with fixed clipping', () => {
    const adaptive = {
      ...ADAPTIVE,
      noiseMultiplier: 1,
      adaptiveClipping: { ...ADAPTIVE.adaptiveClipping!, clippedCountStddev: 2 },
    };
    assertClose([new RunPrivacy(adaptive).updateNoiseMultiplier], [(1 - 1 / 16) ** -0.5], 1e-12);
    const fixed: DifferentialPrivacyConfig = {
      mode: 'central',
      noiseMultiplier: 1.3,
      clippingNorm: 1,
      delta: 1e-5,
      targetEpsilon: null,
    };
    assert.equal(new RunPrivacy(fixed).updateNoiseMultiplier, 1.3);
  });

  it('accounts rounds with increasing ε, predicts the next one, and keeps both across a state round trip', () => {
    // Prepare: adaptive clipping (σ = 1, σ_b = 1), so a round trip must carry a clipping norm that moved from C₀.
    const adaptive: DifferentialPrivacyConfig = {
      ...ADAPTIVE,
      noiseMultiplier: 1,
      adaptiveClipping: { ...ADAPTIVE.adaptiveClipping!, clippedCountStddev: 1 },
    };
    const privacy = new RunPrivacy(adaptive, seededBytes(2));
    assert.equal(privacy.epsilon(), 0);

    // Execute
    const predicted = privacy.epsilonAfterRound(0.5);
    const e1 = privacy.account(0.5);
    const e2 = privacy.account(0.5);
    playRound(privacy, [0.5, 2, 3]);
    const moved = privacy.clippingNorm;
    const restored = new RunPrivacy(adaptive, seededBytes(3));
    restored.restore(JSON.parse(JSON.stringify(privacy.state())));

    // Assert
    assertClose([e1], [predicted], 1e-12);
    assert.ok(e2 > e1 && e1 > 0, `ε grows: ${e1}, ${e2}`);
    assert.notEqual(moved, 1, 'adaptive clipping moved C from C₀ = 1');
    assert.equal(restored.epsilon(), e2);
    assert.equal(restored.clippingNorm, moved);
    assert.throws(
      () => restored.restore({ clippingNorm: -1, history: [] }),
      fedsiftError(DataError, /clipping norm -1/),
    );
  });
});
