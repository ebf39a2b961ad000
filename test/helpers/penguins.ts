import { PENGUINS, readRecords } from '../../coordinator/lab/examples/index.js';
import { parseDataSchema, type DataSchema } from '../../shared/tabular/index.js';

/** The vega-datasets penguins table (Palmer Station): 344 real penguins, a few null cells and one Sex of ".". */
const records = readRecords(PENGUINS);
const PENGUIN_COLUMNS = PENGUINS.columns;

/**
 * The real penguins as CSV rows, header first: a null cell becomes '' (missing), a number its decimal text; with
 * `dotAsMissing`, the one Sex of "." (a data-entry marker in the source) becomes "NA" (missing).
 */
export function penguinRows(dotAsMissing = false): string[][] {
  const cell = (v: string | number | null) => (v === null ? '' : dotAsMissing && v === '.' ? 'NA' : String(v));
  return [[...PENGUIN_COLUMNS], ...records.map((r) => PENGUIN_COLUMNS.map((c) => cell(r[c] ?? null)))];
}

/** A schema for the penguins: the 4 measures, Island and Sex (FEMALE, MALE) as features, Species as the label. */
export function penguinSchema(overrides: Record<string, unknown> = {}): DataSchema {
  return parseDataSchema({
    features: [
      { name: 'Island', kind: 'categorical', categories: ['Biscoe', 'Dream', 'Torgersen'] },
      ...PENGUIN_COLUMNS.slice(2, 6).map((name) => ({ name, kind: 'numeric' })),
      { name: 'Sex', kind: 'categorical', categories: ['FEMALE', 'MALE'] },
    ],
    label: { column: 'Species', classes: ['Adelie', 'Chinstrap', 'Gentoo'] },
    ...overrides,
  });
}
