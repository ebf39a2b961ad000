import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parseDataSchema, type DataSchema } from '../../../shared/tabular/index.js';

/** A record of a vega-datasets table; null = not measured. */
export type TableRecord = Record<string, string | number | null>;

/** A real table of the npm package vega-datasets, and how fedsift's examples federate it. */
export interface ExampleTable {
  /** `fedsift example <name>`. */
  readonly name: string;
  readonly description: string;
  /** File in the package's data/ folder (a JSON array of records). */
  readonly file: string;
  /** CSV columns, in order (the schema may leave some out: they are ignored by the sites). */
  readonly columns: readonly string[];
  readonly schema: DataSchema;
  /** Hidden units of the example's model (Dense ReLU → Dense softmax). */
  readonly hidden: number;
  /** A source value as a CSV cell; '' = missing. @default null → '' */
  readonly cell?: (column: string, value: string | number | null) => string | number;
}

/** Palmer penguins (Gorman et al. 2014): species from 4 measurements, island and sex; a few cells empty. */
export const PENGUINS: ExampleTable = {
  name: 'penguins',
  description: '344 Palmer penguins: species (3) from 4 measurements, the island and the sex; 19 empty cells',
  file: 'penguins.json',
  columns: ['Species', 'Island', 'Beak Length (mm)', 'Beak Depth (mm)', 'Flipper Length (mm)', 'Body Mass (g)', 'Sex'],
  schema: parseDataSchema({
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
  }),
  hidden: 16,
  // The package records one unknown sex as ".": written as an empty cell (a missing value).
  cell: (_, v) => (v === null || v === '.' ? '' : v),
};

/** 406 cars of 1970–1982: origin (USA, Europe, Japan) from engine and body figures; a few cells empty. */
export const CARS: ExampleTable = {
  name: 'cars',
  description:
    '406 cars (1970–1982): origin (USA, Europe, Japan) from consumption, cylinders, displacement, power, weight and acceleration; 14 empty cells; the name and year columns are not in the schema',
  file: 'cars.json',
  columns: [
    'Name',
    'Miles_per_Gallon',
    'Cylinders',
    'Displacement',
    'Horsepower',
    'Weight_in_lbs',
    'Acceleration',
    'Year',
    'Origin',
  ],
  schema: parseDataSchema({
    features: [
      { name: 'Miles_per_Gallon', kind: 'numeric' },
      { name: 'Cylinders', kind: 'categorical', categories: ['3', '4', '5', '6', '8'] },
      { name: 'Displacement', kind: 'numeric' },
      { name: 'Horsepower', kind: 'numeric' },
      { name: 'Weight_in_lbs', kind: 'numeric' },
      { name: 'Acceleration', kind: 'numeric' },
    ],
    label: { column: 'Origin', classes: ['USA', 'Europe', 'Japan'] },
    missing: 'impute-mean',
  }),
  hidden: 32,
};

/** The example tables by name. */
export const EXAMPLE_TABLES: Readonly<Record<string, ExampleTable>> = { penguins: PENGUINS, cars: CARS };

/** The records of a table's JSON file (the package's `exports` map hides data/: found beside its entry point). */
export function readRecords(table: ExampleTable): TableRecord[] {
  const entry = createRequire(import.meta.url).resolve('vega-datasets');
  return JSON.parse(readFileSync(join(dirname(entry), '..', 'data', table.file), 'utf8')) as TableRecord[];
}
