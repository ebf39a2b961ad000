import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RunPrivacy, type DifferentialPrivacyConfig } from '../../../coordinator/privacy/index.js';
import { privacyBudgetStop, roundSamplingRate } from '../../../coordinator/rounds/privacy-budget.js';
import { DEFAULT_RDP_ORDERS } from '../../../shared/privacy/index.js';
import { seededBytes } from '../../helpers/seeded-bytes.js';

/** ε(δ) of one Gaussian mechanism at q = 1 by hand: RDP α/(2σ²), Balle et al. 2020 conversion, best order. */
function gaussianEpsilon(sigma: number, delta: number): number {
  const at = (a: number) => a / (2 * sigma ** 2) + Math.log((a - 1) / a) - (Math.log(delta) + Math.log(a)) / (a - 1);
  return Math.max(0, Math.min(...DEFAULT_RDP_ORDERS.map(at)));
}

const SIGMA = 2;
const DELTA = 1e-5;

function privacyWithTarget(targetEpsilon: number): RunPrivacy {
  const config: DifferentialPrivacyConfig = {
    mode: 'central',
    noiseMultiplier: SIGMA,
    delta: DELTA,
    targetEpsilon,
    clippingNorm: 1,
  };
  return new RunPrivacy(config, seededBytes(1));
}

describe('privacyBudgetStop', () => {
  it('stops a retry whose new clients would carry the round past targetEpsilon (q 2/4 → 4/4)', () => {
    // Prepare: 4 clients available at attempt 1, which selected 2 (q = 0.5); a retry would select the other 2 (q = 1).
    // ε at q = 1 is the Gaussian mechanism's, computed by hand; the target lies just below it.
    const full = gaussianEpsilon(SIGMA, DELTA);
    const privacy = privacyWithTarget(full * 0.99);
    const half = privacy.epsilonAfterRound(roundSamplingRate(2, 4));
    assert.ok(half < full * 0.99, `ε at q = 0.5 (${half}) is within the target`);

    // Execute
    const firstAttempt = privacyBudgetStop(privacy, 1, 2, 4);
    const retry = privacyBudgetStop(privacy, 1, 4, 4);

    // Assert: attempt 1 may open; the retry may not, and the reason names the ε it would reach.
    assert.equal(firstAttempt, undefined);
    assert.ok(retry, 'the retry is refused');
    assert.match(retry, /round 1 would reach ε = /);
    assert.match(retry, new RegExp(`ε = ${full.toPrecision(4).replace('.', '\\.')}`));
    assert.match(retry, /past targetEpsilon/);
  });

  it('uses the same rate the round is accounted with', () => {
    const privacy = privacyWithTarget(100);
    const predicted = privacy.epsilonAfterRound(roundSamplingRate(4, 4));
    assert.ok(Math.abs(predicted - gaussianEpsilon(SIGMA, DELTA)) < 1e-9 * predicted);
    assert.equal(privacy.account(roundSamplingRate(4, 4)), predicted);
  });

  it('never stops when no client is selected or none is available (a stop during the wait)', () => {
    const privacy = privacyWithTarget(1e-6);
    assert.equal(privacyBudgetStop(privacy, 1, 0, 0), undefined);
    assert.equal(privacyBudgetStop(privacy, 1, 0, 5), undefined);
    assert.ok(privacyBudgetStop(privacy, 1, 1, 5));
  });
});
