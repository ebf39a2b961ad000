/**
 * Local training on the selected tfjs backend: samples/s of one local epoch for the MLP and the CNN through fedsift's
 * weighted training step (LocalTrainer: Adam over the sample-weighted loss, soft targets), against tfjs's own
 * `model.fit` (unweighted) on the same samples, batch size and optimiser in the same run; and the data-centric
 * weighting step (global-model scoring + confident learning + label correction + smoothing, the demo's variant) as a
 * share of one weighted epoch.
 */
import { LocalTrainer } from '../../client-node/training/index.js';
import { planSampleWeights } from '../../client-node/weighting/index.js';
import { DEMO_VARIANT, NOISE_VARIANTS } from '../../coordinator/lab/experiments/index.js';
import { weightingSchema } from '../../shared/config/index.js';
import { loadMnistSplit, subset, type Dataset } from '../../shared/data/index.js';
import { getModelDefinition, readWeights } from '../../shared/models/index.js';
import { loadTf, type Tf } from '../../shared/tf/index.js';
import { bestSeconds, emit, type BenchFigure } from './report.js';

const BATCH = 32;
const LEARNING_RATE = 1e-3;
const SAMPLES: Record<string, number> = { mlp: 4000, cnn: 1000 };

/** Seconds of one `model.fit` epoch (tfjs's own loop, unweighted), same data, batch size and optimiser. */
async function fitEpochSeconds(tf: Tf, name: string, data: Dataset): Promise<number> {
  const model = getModelDefinition(name).build(tf, 0);
  model.compile({ optimizer: tf.train.adam(LEARNING_RATE), loss: 'categoricalCrossentropy' });
  const xs = tf.tensor2d(data.features, [data.labels.length, data.features.length / data.labels.length]);
  const ys = tf.oneHot(tf.tensor1d(data.labels, 'int32'), data.numClasses);
  const epoch = () => model.fit(xs, ys, { epochs: 1, batchSize: BATCH, shuffle: true, verbose: 0 });
  await epoch(); // warm-up
  const seconds = await bestSeconds(2, epoch);
  tf.dispose([xs, ys]);
  model.dispose();
  return seconds;
}

/** Seconds of one weighted LocalTrainer epoch and of the weighting step before it. */
async function weightedSeconds(tf: Tf, name: string, data: Dataset): Promise<{ epoch: number; weighting: number }> {
  const model = getModelDefinition(name).build(tf, 0);
  const global = readWeights(model);
  const trainer = new LocalTrainer(tf, model, data, 1);
  const config = weightingSchema.parse({ ...NOISE_VARIANTS[DEMO_VARIANT]!.weighting, startRound: 1 });
  const plan = () =>
    planSampleWeights({
      probs: { values: trainer.predict(global), numClasses: data.numClasses },
      labels: data.labels,
      config,
      round: 5,
      curriculumStage: 1,
    });
  const p = plan(); // warm-up of both
  const fit = { localEpochs: 1, batchSize: BATCH, learningRate: LEARNING_RATE };
  await trainer.train(global, fit, 1, { sampleWeights: p.weights, targets: p.targets });
  const weighting = await bestSeconds(2, plan);
  const epoch = await bestSeconds(2, () =>
    trainer.train(global, fit, 1, { sampleWeights: p.weights, targets: p.targets }),
  );
  trainer.dispose();
  model.dispose();
  return { epoch, weighting };
}

const { tf, backend } = await loadTf('auto');
const train = loadMnistSplit('train');
const figures: BenchFigure[] = [];
for (const name of ['mlp', 'cnn']) {
  const n = SAMPLES[name]!;
  const data = subset(
    train,
    Array.from({ length: n }, (_, i) => i),
  );
  const fit = await fitEpochSeconds(tf, name, data);
  const { epoch, weighting } = await weightedSeconds(tf, name, data);
  const sps = (s: number) => `${(n / s).toFixed(0)} samples/s`;
  figures.push({
    what: `${name.toUpperCase()} weighted local epoch (${n} samples)`,
    value: sps(epoch),
    baseline: `tfjs model.fit ${sps(fit)}`,
    ratio: fit / epoch,
  });
  figures.push({
    what: `${name.toUpperCase()} weighting step (${DEMO_VARIANT})`,
    value: `${(weighting * 1000).toFixed(0)} ms`,
    baseline: `one weighted epoch ${(epoch * 1000).toFixed(0)} ms`,
    ratio: weighting / epoch,
  });
}
emit({
  title: `Local training on the tfjs ${backend} backend (batch ${BATCH}, Adam)`,
  figures,
  notes: [
    'throughput ratio = weighted-step samples/s ÷ model.fit samples/s; weighting ratio = its share of one epoch',
    'best of 2 after a warm-up run; the weighting step scores every local sample with the global model, then plans weights and targets',
  ],
});
