import { LocalTrainer } from '../../client-node/training/index.js';
import type { ExampleFiles } from '../../coordinator/lab/examples/index.js';
import type { Dataset } from '../../shared/data/index.js';
import { buildModel, evaluateModel, resolveModel, writeWeights } from '../../shared/models/index.js';
import {
  combineStatistics,
  encodeTable,
  encodedWidth,
  loadTable,
  parseDataSchema,
  siteStatistics,
} from '../../shared/tabular/index.js';
import type { Tf } from '../../shared/tf/index.js';

/** The run config fields central training follows. */
export interface CentralRun {
  model: string;
  schema: unknown;
  rounds: number;
  localEpochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
}

/**
 * The centralised baseline of a tabular federation: the same model from the same initial weights, trained by the same
 * trainer (Adam, same batch size and learning rate) for rounds × localEpochs epochs on the sites' tables pooled, every
 * table encoded with the pooled statistics (what the federated run's round 0 computes). @returns its test accuracy.
 */
export async function trainCentrally(tf: Tf, example: ExampleFiles, run: CentralRun): Promise<number> {
  const schema = parseDataSchema(run.schema);
  const tables = example.sites.map((p) => loadTable(p, schema));
  const stats = combineStatistics(schema, tables.map(siteStatistics));
  const pooled = concat(tables.map((t) => encodeTable(t, stats)));
  const test = encodeTable(loadTable(example.test, schema), stats);
  const tabular = { inputSize: encodedWidth(schema), numClasses: schema.label.classes.length };
  const { artifact, initialWeights } = await resolveModel(tf, run.model, { seed: run.seed, tabular });
  const model = await buildModel(tf, artifact);
  const trainer = new LocalTrainer(tf, model, pooled, run.seed);
  try {
    const fit = { localEpochs: run.rounds * run.localEpochs, batchSize: run.batchSize, learningRate: run.learningRate };
    const { weights } = await trainer.train(initialWeights, fit, 1);
    writeWeights(tf, model, weights);
    return evaluateModel(tf, model, test).accuracy;
  } finally {
    trainer.dispose();
  }
}

/** The examples of several datasets of one width, one after another. */
function concat(parts: Dataset[]): Dataset {
  const first = parts[0]!;
  const features = new Float32Array(parts.reduce((n, p) => n + p.features.length, 0));
  const labels = new Int32Array(parts.reduce((n, p) => n + p.labels.length, 0));
  let f = 0,
    l = 0;
  for (const p of parts) {
    features.set(p.features, f);
    labels.set(p.labels, l);
    f += p.features.length;
    l += p.labels.length;
  }
  return { features, labels, numFeatures: first.numFeatures, numClasses: first.numClasses };
}
