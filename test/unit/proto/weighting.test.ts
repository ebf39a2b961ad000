import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadSync } from '@grpc/proto-loader';
import { NO_WEIGHTING, weightingSchema, type WeightingConfig } from '../../../shared/config/index.js';
import { ConfigError } from '../../../shared/errors/index.js';
import {
  loadFedsiftProto,
  PROTO_PATH,
  weightingFromWire,
  weightingToWire,
  type RoundAnnouncement,
  type Weighting,
  type WeightingBootstrapMode,
  type WeightingCombine,
  type WeightingNoisyLabels,
  type WeightingPacing,
  type WeightingRegularizer,
} from '../../../shared/proto/index.js';

/** The WatchRounds encoding, with the loader options both sides use: what a client decodes from the gRPC stream. */
const watchRounds = loadFedsiftProto().coordinatorService.WatchRounds!;
const overGrpc = (a: RoundAnnouncement): RoundAnnouncement =>
  watchRounds.responseDeserialize(watchRounds.responseSerialize(a)) as RoundAnnouncement;
/** What a client decodes from NATS. */
const overNats = (a: RoundAnnouncement): RoundAnnouncement => JSON.parse(JSON.stringify(a)) as RoundAnnouncement;

const announcing = (weighting: Weighting | undefined): RoundAnnouncement => ({
  runId: 'run-1',
  round: 3,
  phase: 'ROUND_PHASE_FIT',
  modelName: 'mlp',
  modelSha256: '',
  selectedClientIds: ['a'],
  evaluateClientIds: [],
  deadlineUnixMs: 0,
  fit: { localEpochs: 1, batchSize: 32, learningRate: 0.01, proximalMu: 0, curriculumStage: 0.5, weighting },
  totalRounds: 5,
  attempt: 1,
  coordinatorId: 'c',
  federationId: 'f',
  runSpecSha256: '',
});

const CONFIGS: Record<string, WeightingConfig> = {
  'confident learning, relabelling, smoothing': weightingSchema.parse({
    noisyLabels: 'confident-learning',
    correctLabelsAbove: 0.9,
    labelSmoothing: 0.1,
  }),
  'small loss, min': weightingSchema.parse({
    startRound: 1,
    noisyLabels: 'small-loss',
    smallLoss: { noiseRate: 0, warmupRounds: 2 },
    combine: 'min',
  }),
  'soft bootstrap only': weightingSchema.parse({ bootstrap: { beta: 0, mode: 'soft' } }),
  'curriculum, hard bootstrap': weightingSchema.parse({
    bootstrap: { beta: 1, mode: 'hard' },
    curriculum: { regularizer: 'hard', pacing: 'geometric', startFraction: 1, fullAt: 1 },
  }),
};

/** The named values (zero value excluded) of every enum nested in fedsift.v1.Weighting, read from the .proto. */
function protoEnums(): Map<string, string[]> {
  interface Descriptor {
    name: string;
    enumType: { name: string; value: { name: string }[] }[];
    nestedType: Descriptor[];
  }
  const out = new Map<string, string[]>();
  const walk = (d: Descriptor, path: string) => {
    for (const e of d.enumType) out.set(`${path}.${e.name}`, e.value.map((v) => v.name).slice(1));
    for (const n of d.nestedType) walk(n, `${path}.${n.name}`);
  };
  walk((loadSync(PROTO_PATH)['fedsift.v1.Weighting'] as unknown as { type: Descriptor }).type, 'Weighting');
  return out;
}

describe('weighting on the wire (FitConfig.weighting)', () => {
  it('is absent when every component is off, and absent reads as off', () => {
    // Execute
    const wire = weightingToWire(NO_WEIGHTING);
    // Assert
    assert.equal(wire, undefined);
    assert.equal(overGrpc(announcing(wire)).fit.weighting, null);
    assert.equal(weightingFromWire(overGrpc(announcing(wire)).fit.weighting), undefined);
    assert.equal(weightingFromWire(overNats(announcing(wire)).fit.weighting), undefined);
    assert.equal(JSON.stringify(overNats(announcing(wire)).fit).includes('weighting'), false);
  });

  for (const [name, config] of Object.entries(CONFIGS)) {
    it(`decodes to the config the coordinator sent, over gRPC and over NATS: ${name}`, () => {
      // Execute
      const sent = announcing(weightingToWire(config));
      // Assert
      assert.deepEqual(weightingFromWire(overGrpc(sent).fit.weighting), config);
      assert.deepEqual(weightingFromWire(overNats(sent).fit.weighting), config);
    });
  }

  it('maps every value of every Weighting enum in the .proto to a config choice and back', () => {
    // Prepare
    const base = weightingToWire(CONFIGS['curriculum, hard bootstrap']!)!;
    const slots: Record<string, (v: string) => Weighting> = {
      'Weighting.NoisyLabels': (v) => ({ ...base, noisyLabels: v as WeightingNoisyLabels }),
      'Weighting.Combine': (v) => ({ ...base, combine: v as WeightingCombine }),
      'Weighting.Curriculum.Regularizer': (v) => ({
        ...base,
        curriculum: { ...base.curriculum!, regularizer: v as WeightingRegularizer },
      }),
      'Weighting.Curriculum.Pacing': (v) => ({
        ...base,
        curriculum: { ...base.curriculum!, pacing: v as WeightingPacing },
      }),
      'Weighting.Bootstrap.Mode': (v) => ({ ...base, bootstrap: { beta: 0.5, mode: v as WeightingBootstrapMode } }),
    };
    const enums = protoEnums();
    // Assert
    assert.deepEqual([...enums.keys()].sort(), Object.keys(slots).sort());
    for (const [enumName, values] of enums) {
      for (const value of values) {
        const wire = slots[enumName]!(value);
        const back = weightingToWire(weightingFromWire(wire)!);
        assert.deepEqual(back, wire, `${enumName} ${value}`);
      }
    }
  });

  it('takes the run config default for an UNSPECIFIED enum or a missing sub-message', () => {
    // Prepare
    const wire: Weighting = {
      startRound: 2,
      noisyLabels: 'NOISY_LABELS_CONFIDENT_LEARNING',
      smallLoss: null,
      curriculum: { regularizer: 'REGULARIZER_UNSPECIFIED', pacing: 'PACING_ROOT', startFraction: 0.5, fullAt: 0.8 },
      labelSmoothing: 0,
      combine: 'COMBINE_UNSPECIFIED',
    };
    // Execute
    const config = weightingFromWire(wire)!;
    // Assert
    assert.equal(config.combine, 'product');
    assert.equal(config.curriculum.regularizer, 'none');
    assert.equal(config.curriculum.pacing, 'root');
    assert.deepEqual(config.smallLoss, NO_WEIGHTING.smallLoss);
    assert.equal(config.bootstrap, null);
    assert.equal(config.correctLabelsAbove, null);
    assert.ok(Object.isFrozen(config));
  });

  it('reads 0 in a field whose range excludes 0 as unset (proto3 over gRPC sends no absence): the default applies', () => {
    const wire: Weighting = {
      startRound: 0,
      noisyLabels: 'NOISY_LABELS_SMALL_LOSS',
      smallLoss: { noiseRate: 0.3, warmupRounds: 0 },
      curriculum: { regularizer: 'REGULARIZER_HARD', pacing: 'PACING_LINEAR', startFraction: 0, fullAt: 0 },
      labelSmoothing: 0,
      combine: 'COMBINE_MIN',
    };
    const config = weightingFromWire(wire)!;
    const defaults = NO_WEIGHTING;
    assert.equal(config.startRound, defaults.startRound);
    assert.equal(config.smallLoss.warmupRounds, defaults.smallLoss.warmupRounds);
    assert.equal(config.smallLoss.noiseRate, 0.3);
    assert.equal(config.curriculum.startFraction, defaults.curriculum.startFraction);
    assert.equal(config.curriculum.fullAt, defaults.curriculum.fullAt);
  });

  it('refuses values outside the run config ranges with a ConfigError naming every field', () => {
    // Prepare
    const wire = overGrpc(
      announcing({
        ...weightingToWire(CONFIGS['confident learning, relabelling, smoothing']!)!,
        smallLoss: { noiseRate: 1.5, warmupRounds: 5 },
        correctLabelsAbove: 0.2,
      }),
    ).fit.weighting;
    // Execute
    const err = (() => {
      try {
        weightingFromWire(wire);
      } catch (e) {
        return e;
      }
    })();
    // Assert
    assert.ok(err instanceof ConfigError);
    assert.equal(err.code, 'FS_ERR_CONFIG');
    assert.match(err.message, /invalid announced weighting config/);
    assert.match(err.message, /smallLoss\.noiseRate: /);
    assert.match(err.message, /correctLabelsAbove: /);
  });

  it('refuses an enum value this build does not know (a newer coordinator) with a ConfigError naming the field', () => {
    // Prepare
    const wire = { ...weightingToWire(CONFIGS['small loss, min']!)!, noisyLabels: 7 as unknown as 'NOISY_LABELS_NONE' };
    // Execute, Assert
    assert.throws(
      () => weightingFromWire(wire),
      (e: unknown) => e instanceof ConfigError && e.code === 'FS_ERR_CONFIG' && /noisyLabels: /.test(e.message),
    );
  });
});
