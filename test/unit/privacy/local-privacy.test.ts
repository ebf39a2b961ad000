import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { privatizeUpdate, UpdateEncoder } from '../../../client-node/daemon/index.js';
import { parseRunConfig } from '../../../coordinator/config/index.js';
import { RunPrivacy, type DifferentialPrivacyConfig } from '../../../coordinator/privacy/index.js';
import { wireFitConfig } from '../../../coordinator/rounds/index.js';
import { createStrategy } from '../../../coordinator/strategies/index.js';
import { openFileSpill } from '../../../coordinator/spill/index.js';
import { bytesToFloat32 } from '../../../shared/codec/index.js';
import { ConfigError, InvalidRequestError } from '../../../shared/errors/index.js';
import { addGaussianNoise, RdpAccountant } from '../../../shared/privacy/index.js';
import { loadFedsiftProto } from '../../../shared/proto/index.js';
import { testAnnouncement } from '../../helpers/announcements.js';
import { assertClose } from '../../helpers/assert-close.js';
import { fedsiftError } from '../../helpers/fedsift-errors.js';
import { seededBytes } from '../../helpers/seeded-bytes.js';

// g = [1, 2], w = [4, 6]: δ = [3, 4], ‖δ‖ = 5, clipped to C = 1: [0.6, 0.8].
const GLOBAL = Float32Array.from([1, 2]);
const TRAINED = Float32Array.from([4, 6]);
const LOCAL: DifferentialPrivacyConfig = {
  mode: 'local',
  noiseMultiplier: 2,
  clippingNorm: 1,
  delta: 1e-5,
  targetEpsilon: null,
};

/** g + clip(δ) + the noise N(0, (σC)²) the byte source of `seed` gives first. */
function expected(seed: number, sigmaC: number): number[] {
  const noise = new Float64Array(2);
  addGaussianNoise(noise, sigmaC, seededBytes(seed));
  return [1 + 0.6 + noise[0]!, 2 + 0.8 + noise[1]!];
}

describe('local differential privacy', () => {
  it('privatizeUpdate gives g + clip(w − g) + N(0, σ²C²) and leaves the trained weights alone', () => {
    // Execute
    const out = privatizeUpdate(TRAINED, GLOBAL, { noiseMultiplier: 2, clippingNorm: 1 }, seededBytes(3));

    // Assert
    assertClose(out, expected(3, 2), 1e-5);
    assert.deepEqual([...TRAINED], [4, 6]);
    assert.throws(
      () => privatizeUpdate(TRAINED, GLOBAL, { noiseMultiplier: 1, clippingNorm: 0 }, seededBytes(3)),
      fedsiftError(InvalidRequestError, /clipping norm 0 are out of range/),
    );
  });

  it("a site's encoder sends the privatized weights when the round announces local privacy, the plain ones otherwise", () => {
    // Prepare
    const specs = [{ name: 'w', shape: [2], dtype: 'float32' as const }];
    const localPrivacy = { noiseMultiplier: 2, clippingNorm: 1 };
    const announced = testAnnouncement({ fit: { ...testAnnouncement().fit, localPrivacy } });

    // Execute
    const noisy = new UpdateEncoder(seededBytes(9)).encode(
      announced,
      { specs, values: TRAINED },
      { specs, values: GLOBAL },
    );
    const plain = new UpdateEncoder(seededBytes(9)).encode(
      testAnnouncement(),
      { specs, values: TRAINED },
      { specs, values: GLOBAL },
    );
    noisy.encodeTo(noisy.payload.length);

    // Assert
    assertClose(bytesToFloat32(noisy.payload), expected(9, 2), 1e-5);
    assert.deepEqual([...bytesToFloat32(plain.payload)], [4, 6]);
  });

  it('the run config takes mode "local" with a fixed clipping norm and any strategy, and refuses adaptive clipping', () => {
    const ok = parseRunConfig({
      strategy: 'fedmedian',
      differentialPrivacy: { mode: 'local', noiseMultiplier: 1, clippingNorm: 2 },
    });
    assert.equal(ok.differentialPrivacy?.mode, 'local');
    assert.equal(
      parseRunConfig({ differentialPrivacy: { noiseMultiplier: 1, clippingNorm: 1 } }).differentialPrivacy?.mode,
      'central',
    );
    assert.throws(
      () => parseRunConfig({ differentialPrivacy: { mode: 'local', noiseMultiplier: 1, adaptiveClipping: {} } }),
      fedsiftError(
        ConfigError,
        /differentialPrivacy\.adaptiveClipping: differentialPrivacy\.mode "local" takes a fixed/,
      ),
    );
  });

  it('the strategy announces σ and C in FitConfig, aggregates without clipping, and accounts (σ/2, q = 1) per round', () => {
    // Prepare
    const config = parseRunConfig({
      clientsPerRound: 2,
      minClients: 1,
      differentialPrivacy: { mode: 'local', noiseMultiplier: 2, clippingNorm: 1 },
    });
    const strategy = createStrategy(config, { openSpill: openFileSpill });
    const global = { specs: [{ name: 'w', shape: [2], dtype: 'float32' as const }], values: GLOBAL.slice() };

    // Execute
    const [instruction] = strategy.configureFit(1, global, { available: ['a', 'b', 'c'] });
    const acc = strategy.beginAggregation(1, global);
    acc.add({ clientId: 'a', numExamples: 1, weights: { specs: global.specs, values: TRAINED }, metrics: {} });
    const aggregated = acc.finish([]).weights.values;
    const epsilon = strategy.privacy!.account(2 / 3);

    // Assert
    assert.deepEqual(instruction!.config.localPrivacy, { noiseMultiplier: 2, clippingNorm: 1 });
    assert.deepEqual([...aggregated], [4, 6], 'the coordinator adds nothing in local mode');
    const reference = new RdpAccountant();
    reference.step(1, 1);
    assert.equal(epsilon, reference.epsilon(1e-5).epsilon);
    assert.equal(new RunPrivacy(LOCAL).beginRound(), undefined);
  });

  it('FitConfig.local_privacy crosses the gRPC wire (WatchRounds) and is absent without local DP', () => {
    // Prepare
    const watch = loadFedsiftProto().coordinatorService.WatchRounds!;
    const localPrivacy = { noiseMultiplier: 0.7, clippingNorm: 0.25 };
    const roundTrip = (a: object) =>
      watch.responseDeserialize(watch.responseSerialize(a)) as { fit: { localPrivacy: unknown } };

    // Execute, Assert
    const fit = wireFitConfig({
      localEpochs: 1,
      batchSize: 8,
      learningRate: 0.1,
      proximalMu: 0,
      curriculumStage: 1,
      localPrivacy,
      weighting: parseRunConfig({}).weighting,
    });
    assert.deepEqual(roundTrip(testAnnouncement({ fit })).fit.localPrivacy, localPrivacy);
    assert.equal(roundTrip(testAnnouncement()).fit.localPrivacy, null);
  });
});
