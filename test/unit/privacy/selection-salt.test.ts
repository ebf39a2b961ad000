import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ModelWeights } from '../../../shared/codec/index.js';
import { parseRunConfig } from '../../../coordinator/config/index.js';
import { createStrategy, type Strategy } from '../../../coordinator/strategies/index.js';
import { openFileSpill } from '../../../coordinator/spill/index.js';

const global: ModelWeights = { specs: [{ name: 'w', shape: [1], dtype: 'float32' }], values: new Float32Array(1) };
const available = Array.from({ length: 100 }, (_, k) => `client-${k}`);

function strategy(dp: boolean): Strategy {
  const config = parseRunConfig({
    clientsPerRound: 3,
    minClients: 1,
    seed: 7,
    ...(dp && { differentialPrivacy: { noiseMultiplier: 1, clippingNorm: 1 } }),
  });
  return createStrategy(config, { openSpill: openFileSpill });
}

/** The clients selected in rounds 1–5 (3 of 100 each). */
const selections = (s: Strategy) =>
  [1, 2, 3, 4, 5].map((round) => s.configureFit(round, global, { available }).map((i) => i.clientId));

describe('client selection under differential privacy', () => {
  it('differs between two DP runs with the same public seed (a secret salt), but not between two plain runs', () => {
    assert.notDeepEqual(selections(strategy(true)), selections(strategy(true)));
    assert.deepEqual(selections(strategy(false)), selections(strategy(false)));
  });

  it('is the same after the privacy state is restored from a checkpoint (JSON)', () => {
    const first = strategy(true);
    const resumed = strategy(true);
    resumed.privacy!.restore(JSON.parse(JSON.stringify(first.privacy!.state())));
    assert.deepEqual(selections(resumed), selections(first));
  });
});
