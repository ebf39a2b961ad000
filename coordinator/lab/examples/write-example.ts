import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { saveModelFiles } from '../../../shared/models/index.js';
import { createRng, shuffleInPlace } from '../../../shared/random/index.js';
import { encodedWidth } from '../../../shared/tabular/index.js';
import type { Tf } from '../../../shared/tf/index.js';
import { readRecords, type ExampleTable, type TableRecord } from './datasets.js';

/** Options of {@link writeExample}. */
export interface ExampleOptions {
  /** Folder the files are written to (created). */
  out: string;
  /** Data sites; site k (1-based) holds a share ∝ k of the training rows, so sizes differ. @default 3 */
  sites?: number;
  /** Share of the rows held out as the coordinator's test set. @default 0.2 */
  testShare?: number;
  /** Seed of the shuffle and of the model's initial weights. @default 0 */
  seed?: number;
  /** Training rounds of run.json. @default 30 */
  rounds?: number;
}

/** What {@link writeExample} wrote (absolute paths). */
export interface ExampleFiles {
  sites: string[];
  test: string;
  schema: string;
  model: string;
  run: string;
}

/**
 * Writes a ready-to-run tabular federation from a real table of vega-datasets: a held-out test CSV and `sites` site
 * CSVs of unequal sizes (one seeded shuffle), the data schema, a Keras-style model.json + weights.bin made with tfjs
 * (Dense `table.hidden` ReLU → Dense softmax over the encoded inputs, what a user would build) and run.json naming
 * them (every site every round, the model by path, the schema inline, the test CSV as `testData`).
 */
export async function writeExample(tf: Tf, table: ExampleTable, o: ExampleOptions): Promise<ExampleFiles> {
  const out = resolve(o.out);
  const { sites = 3, testShare = 0.2, seed = 0, rounds = 30 } = o;
  mkdirSync(out, { recursive: true });
  const rows = shuffleInPlace(createRng(seed), readRecords(table));
  const cell = table.cell ?? ((_: string, v: string | number | null) => v ?? '');
  const write = (name: string, part: TableRecord[]) => {
    const path = join(out, name);
    const records = part.map((r) => Object.fromEntries(table.columns.map((c) => [c, cell(c, r[c] ?? null)])));
    writeFileSync(path, stringify(records, { header: true, columns: [...table.columns] }));
    return path;
  };
  const testCount = Math.round(rows.length * testShare);
  const test = write('test.csv', rows.slice(0, testCount));
  const train = rows.slice(testCount);
  const total = (sites * (sites + 1)) / 2;
  let start = 0;
  const sitePaths = Array.from({ length: sites }, (_, k) => {
    const end = k === sites - 1 ? train.length : start + Math.round((train.length * (k + 1)) / total);
    const path = write(`site-${k + 1}.csv`, train.slice(start, end));
    start = end;
    return path;
  });
  const schema = join(out, 'schema.json');
  writeFileSync(schema, JSON.stringify(table.schema, null, 2) + '\n');
  const model = await saveModelFiles(exampleModel(tf, table, seed), join(out, 'model'));
  const run = join(out, 'run.json');
  const config = {
    name: table.name,
    model,
    schema: table.schema,
    testData: { kind: 'csv', path: test },
    rounds,
    clientsPerRound: sites,
    minClients: sites,
    localEpochs: 2,
    batchSize: 16,
    learningRate: 0.01,
    seed,
  };
  writeFileSync(run, JSON.stringify(config, null, 2) + '\n');
  return { sites: sitePaths, test, schema, model, run };
}

/** The example's model, softmax output included, as a user would build it in tfjs or Keras. */
function exampleModel(tf: Tf, table: ExampleTable, seed: number) {
  return tf.sequential({
    layers: [
      tf.layers.dense({
        inputShape: [encodedWidth(table.schema)],
        units: table.hidden,
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed }),
      }),
      tf.layers.dense({
        units: table.schema.label.classes.length,
        activation: 'softmax',
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }),
      }),
    ],
  });
}
