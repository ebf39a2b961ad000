import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { saveModelFiles } from '../../../shared/models/index.js';
import { createRng, shuffleInPlace } from '../../../shared/random/index.js';
import { encodedWidth, parseDataSchema, type DataSchema } from '../../../shared/tabular/index.js';
import type { Tf } from '../../../shared/tf/index.js';

/** One penguin of vega-datasets' penguins.json (Palmer penguins, Gorman et al. 2014); null = not measured. */
type Penguin = Record<(typeof COLUMNS)[number], string | number | null>;

/** The table's columns, in the package's order. */
const COLUMNS = [
  'Species',
  'Island',
  'Beak Length (mm)',
  'Beak Depth (mm)',
  'Flipper Length (mm)',
  'Body Mass (g)',
  'Sex',
] as const;

/** The run's data schema: species from four measurements, the island and the sex; gaps imputed with federated means. */
export const PENGUINS_SCHEMA: DataSchema = parseDataSchema({
  features: [
    { name: 'Beak Length (mm)', kind: 'numeric' },
    { name: 'Beak Depth (mm)', kind: 'numeric' },
    { name: 'Flipper Length (mm)', kind: 'numeric' },
    { name: 'Body Mass (g)', kind: 'numeric' },
    { name: 'Island', kind: 'categorical', categories: ['Biscoe', 'Dream', 'Torgersen'] },
    { name: 'Sex', kind: 'categorical', categories: ['FEMALE', 'MALE'] },
  ],
  label: { column: 'Species', classes: ['Adelie', 'Chinstrap', 'Gentoo'] },
  missing: 'impute-mean',
});

/** Options of {@link writePenguinsExample}. */
export interface PenguinsExampleOptions {
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

/** What {@link writePenguinsExample} wrote (absolute paths). */
export interface PenguinsExample {
  sites: string[];
  test: string;
  schema: string;
  model: string;
  run: string;
}

/**
 * Writes a ready-to-run tabular federation from real data: the Palmer penguins of the npm package vega-datasets
 * (344 rows, 3 species, empty cells) cut into a held-out test CSV and `sites` site CSVs of unequal sizes (seeded
 * shuffle), the data schema, a Keras-style model.json + weights.bin made with tfjs (Dense 16 ReLU → Dense 3 softmax over
 * the 9 encoded inputs), and run.json naming them. The package marks one unknown sex as "."; it is written as an
 * empty cell (a missing value).
 */
export async function writePenguinsExample(tf: Tf, o: PenguinsExampleOptions): Promise<PenguinsExample> {
  const out = resolve(o.out);
  const { sites = 3, testShare = 0.2, seed = 0, rounds = 30 } = o;
  mkdirSync(out, { recursive: true });
  const rows = shuffleInPlace(createRng(seed), readPenguins());
  const testCount = Math.round(rows.length * testShare);
  const write = (name: string, part: Penguin[]) => {
    const path = join(out, name);
    writeFileSync(path, stringify(part.map(csvRow), { header: true, columns: [...COLUMNS] }));
    return path;
  };
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
  writeFileSync(schema, JSON.stringify(PENGUINS_SCHEMA, null, 2) + '\n');
  const model = await saveModelFiles(penguinsModel(tf, seed), join(out, 'model'));
  const run = join(out, 'run.json');
  const config = {
    name: 'penguins',
    model,
    schema: PENGUINS_SCHEMA,
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

/** The example's model: what a user would build in tfjs or Keras (softmax output included). */
function penguinsModel(tf: Tf, seed: number) {
  return tf.sequential({
    layers: [
      tf.layers.dense({
        inputShape: [encodedWidth(PENGUINS_SCHEMA)],
        units: 16,
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed }),
      }),
      tf.layers.dense({
        units: PENGUINS_SCHEMA.label.classes.length,
        activation: 'softmax',
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }),
      }),
    ],
  });
}

/** The package's penguins.json (its `exports` map hides data/, so the file is found beside the package's entry). */
function readPenguins(): Penguin[] {
  const entry = createRequire(import.meta.url).resolve('vega-datasets');
  const path = join(dirname(entry), '..', 'data', 'penguins.json');
  return JSON.parse(readFileSync(path, 'utf8')) as Penguin[];
}

/** A CSV row: null and the package's "." (unknown sex) become empty cells. */
function csvRow(p: Penguin): Record<string, string | number> {
  return Object.fromEntries(COLUMNS.map((c) => [c, p[c] === null || p[c] === '.' ? '' : p[c]!]));
}
