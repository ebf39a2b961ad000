import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { quantizationStep } from '../../shared/secagg/index.js';
import { waitForRunState } from '../helpers/coordinators.js';
import { protocolFixture, type ProtocolFixture } from '../helpers/protocol.js';
import { clipToNorm, fitAnnouncementFor, playSecAggSite } from '../helpers/secagg-sites.js';
import { randomValues } from '../helpers/update-codecs.js';

const L = 4096;
const CLIENTS = 5;
const C = 1;
const STEP = quantizationStep(8, 2 ** 22);
const deltaOf = (i: number) => randomValues(L, 300 + i, 0.5); // ‖δ‖ ≈ 32: every delta is clipped to C

/** Runs one SecAgg+ round with central DP (fixed clipping C, noise multiplier σ); returns g' − (g + mean clip(δ)). */
async function residual(noiseMultiplier: number) {
  const f: ProtocolFixture = await protocolFixture({
    numParams: L,
    clients: CLIENTS,
    run: {
      secureAggregation: { numShares: 5, reconstructionThreshold: 3 },
      differentialPrivacy: { noiseMultiplier, clippingNorm: C },
      minClients: 3,
      roundDeadlineMs: 90_000, // above the two 30 s stage deadlines
    },
  });
  try {
    const a = await fitAnnouncementFor(f.clients[0]!, f.runId);
    assert.deepEqual([a.fit.secureAggregation!.clippingNorm, a.fit.secureAggregation!.equalWeights], [C, true]);
    const spec = (i: number) => ({ delta: deltaOf(i), numExamples: 100 * (i + 1), seed: i });
    await Promise.all(f.clients.map((c, i) => playSecAggSite(f.coordinator.address, c, a, f.runtime.specs, spec(i))));
    const s = await waitForRunState(f.coordinator, f.runId, ['RUN_STATE_COMPLETED', 'RUN_STATE_FAILED']);
    assert.equal(s.state, 'RUN_STATE_COMPLETED', s.error);
    const g = (await f.runtime.initialWeights()).values;
    const clipped = f.clients.map((_, i) => clipToNorm(deltaOf(i), C));
    const actual = f.runtime.evaluated[0]!.values;
    const r = Float64Array.from(actual, (x, j) => x - g[j]! - clipped.reduce((sum, d) => sum + d[j]!, 0) / CLIENTS);
    return { r, epsilon: s.rounds[0]!.dpEpsilon };
  } finally {
    await f.close();
  }
}

describe('central DP under SecAgg+ (fixed clipping)', () => {
  it('gives g + the equal-weight mean of the clipped deltas without noise (σ = 0)', async () => {
    const { r } = await residual(0);
    const worst = r.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
    assert.ok(worst <= CLIENTS * STEP, `largest deviation ${worst} exceeds ${CLIENTS * STEP}`);
  });

  it('adds N(0, σ²C²)/m to the unmasked mean, m the survivors, and accounts the round', async () => {
    const { r, epsilon } = await residual(1);
    const sd = Math.sqrt(r.reduce((s, x) => s + x * x, 0) / r.length);
    // σC/m = 0.2; the estimate over 4,096 coordinates is within 1.1 % (one standard error) of it.
    assert.ok(Math.abs(sd / 0.2 - 1) < 0.1, `noise standard deviation ${sd}, expected 0.2`);
    assert.ok(epsilon !== undefined && Number.isFinite(epsilon) && epsilon > 0, `ε ${epsilon}`);
  });
});
