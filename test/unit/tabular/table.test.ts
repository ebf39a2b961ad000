import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DataError } from '../../../shared/errors/index.js';
import {
  loadTable,
  MISSING_MARKERS,
  parseDataSchema,
  parseTable,
  type DataSchema,
  type MissingPolicy,
} from '../../../shared/tabular/index.js';
import { penguinRows, penguinSchema } from '../../helpers/penguins.js';

/** Mass (numeric), Island (categorical), Species (label); the table has an extra `id` column. */
function schema(missing: MissingPolicy = 'error'): DataSchema {
  return parseDataSchema({
    features: [
      { name: 'Body Mass (g)', kind: 'numeric' },
      { name: 'Island', kind: 'categorical', categories: ['Biscoe', 'Dream', 'Torgersen'] },
    ],
    label: { column: 'Species', classes: ['Adelie', 'Chinstrap', 'Gentoo'] },
    missing,
  });
}
const HEADER = ['id', 'Island', 'Body Mass (g)', 'Species'];

/** Asserts that `fn` throws a DataError whose message holds every fragment. */
function rejects(fn: () => unknown, ...fragments: string[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DataError, `not a DataError: ${String(e)}`);
    assert.equal(e.code, 'FS_ERR_DATA');
    for (const f of fragments) assert.ok(e.message.includes(f), `"${f}" not in: ${e.message}`);
    return true;
  });
}

const dir = mkdtempSync(join(tmpdir(), 'fedsift-tabular-'));
function csvFile(name: string, rows: string[][]): string {
  const path = join(dir, name);
  writeFileSync(path, rows.map((r) => r.join(',')).join('\n') + '\n');
  return path;
}

describe('reading a table against a schema', () => {
  it('maps categories and word labels to their indices in the schema, numbers as numbers, cells trimmed', () => {
    // Execute
    const t = parseTable(
      [
        HEADER,
        ['1', 'Dream', '3750', 'Gentoo'],
        ['2', ' Biscoe ', ' 4.2e3', 'Adelie '],
        ['3', 'Torgersen', '-0.5', 'Chinstrap'],
      ],
      schema(),
    );

    // Assert
    assert.equal(t.numRows, 3);
    assert.deepEqual([...t.numeric], [3750, 4200, -0.5]);
    assert.deepEqual([...t.categorical], [1, 0, 2]);
    assert.deepEqual([...t.labels], [2, 0, 1]);
    assert.deepEqual(t.ignoredColumns, ['id']);
    assert.equal(t.droppedRows, 0);
  });

  it('maps integer labels through the class list, in its order', () => {
    const s = parseDataSchema({
      features: [{ name: 'x', kind: 'numeric' }],
      label: { column: 'y', classes: ['1', '0'] },
    });
    const t = parseTable(
      [
        ['x', 'y'],
        ['5', '0'],
        ['6', '1'],
      ],
      s,
    );
    assert.deepEqual([...t.labels], [1, 0]);
  });

  it('reads the real penguins from a CSV file, dropping the rows with a missing cell', () => {
    // Prepare: Sex left out of the schema (its one "." is no category), so it is an ignored column
    const s = parseDataSchema({ ...penguinSchema(), features: penguinSchema().features.slice(0, 5), missing: 'drop' });
    const path = csvFile('penguins.csv', penguinRows());

    // Execute
    const t = loadTable(path, s);

    // Assert
    assert.equal(t.numRows, 342);
    assert.equal(t.droppedRows, 2);
    assert.deepEqual(t.ignoredColumns, ['Sex']);
    assert.deepEqual([...t.numeric.subarray(0, 4)], [39.1, 18.7, 181, 3750]);
  });

  it('skips the byte-order mark a spreadsheet writes before the header', () => {
    const path = join(dir, 'bom.csv');
    writeFileSync(path, '\uFEFFSpecies,Island,Body Mass (g)\nGentoo,Biscoe,5000\n');
    assert.deepEqual([...loadTable(path, schema()).labels], [2]);
  });
});

describe('bad data names the source, the column and the first bad line', () => {
  it('a schema column missing from the header, listing the header', () => {
    rejects(
      () =>
        parseTable(
          [
            ['id', 'Island', 'Species'],
            ['1', 'Dream', 'Adelie'],
          ],
          schema(),
          'site1.csv',
        ),
      'site1.csv line 1',
      'no column "Body Mass (g)"',
      'the header has "id", "Island", "Species"',
    );
  });

  it('text in a numeric column, counting blank lines as lines', () => {
    rejects(
      () =>
        parseTable(
          [HEADER, ['1', 'Dream', '3750', 'Adelie'], [''], ['2', 'Dream', 'heavy', 'Adelie']],
          schema(),
          'site1.csv',
        ),
      'site1.csv line 4, column "Body Mass (g)": "heavy" is not a number',
    );
    rejects(() => parseTable([HEADER, ['1', 'Dream', '0x10', 'Adelie']], schema()), 'line 2', '"0x10" is not a number');
    rejects(() => parseTable([HEADER, ['1', 'Dream', 'Infinity', 'Adelie']], schema()), 'line 2', '"Infinity"');
  });

  it('a category not in the schema: the real "." in the penguins\' Sex column, under "drop" and "impute-mean"', () => {
    // Prepare: the "." is element 336 of the JSON array, so line 338 counting the header
    const path = csvFile('all-penguins.csv', penguinRows());

    // Execute + Assert
    for (const missing of ['drop', 'impute-mean'] as const) {
      rejects(
        () => loadTable(path, penguinSchema({ missing })),
        `${path} line 338, column "Sex": "." is not a category`,
        '("FEMALE", "MALE")',
      );
    }
  });

  it('a label outside the class list', () => {
    rejects(
      () =>
        parseTable(
          [HEADER, ['1', 'Dream', '3750', 'Adelie'], ['2', 'Dream', '3750', 'Emperor']],
          schema(),
          'site2.csv',
        ),
      'site2.csv line 3, column "Species": "Emperor" is not a class of the schema ("Adelie", "Chinstrap", "Gentoo")',
    );
  });

  it('a missing value under "error": the real penguins\' first empty cell, and a missing label', () => {
    rejects(
      () => parseTable(penguinRows(), penguinSchema(), 'penguins.csv'),
      'penguins.csv line 5, column "Beak Length (mm)": missing value ""',
      '"error"',
    );
    rejects(
      () => parseTable([HEADER, ['1', 'NA', '3750', 'Adelie']], schema('error'), 'site3.csv'),
      'site3.csv line 2, column "Island": missing value "NA"',
    );
    rejects(
      () => parseTable([HEADER, ['1', 'Dream', '3750', '']], schema('error'), 'site3.csv'),
      'site3.csv line 2, column "Species"',
    );
  });

  it('a row with another number of cells', () => {
    rejects(
      () => parseTable([HEADER, ['1', 'Dream', '3750']], schema(), 'site4.csv'),
      'site4.csv line 2: 3 cells, the header has 4',
    );
  });

  it('a schema column twice in the header, and an empty file', () => {
    rejects(() => parseTable([[...HEADER, 'Island']], schema(), 's.csv'), 's.csv line 1, column "Island": twice');
    rejects(() => parseTable([[''], []], schema(), 's.csv'), 's.csv: empty file');
  });

  it('an unreadable file', () => {
    rejects(() => loadTable(join(dir, 'absent.csv'), schema()), 'cannot read CSV', 'absent.csv');
  });
});

describe('missing-value policies', () => {
  const rows = [
    HEADER,
    ['1', 'Dream', '3750', 'Adelie'],
    ['2', 'N/A', '3800', 'Gentoo'],
    ['3', 'Biscoe', '', 'Adelie'],
    ['4', 'Biscoe', '4000', 'NA'],
    ['5', 'Torgersen', '4100', 'Chinstrap'],
  ];

  it('recognises every missing marker, trimmed', () => {
    for (const marker of MISSING_MARKERS) {
      const t = parseTable([HEADER, ['1', ` ${marker} `, marker, 'Adelie']], schema('impute-mean'));
      assert.ok(Number.isNaN(t.numeric[0]), `numeric "${marker}"`);
      assert.equal(t.categorical[0], -1, `categorical "${marker}"`);
    }
  });

  it('"drop" leaves out every row with a missing cell and counts them', () => {
    const t = parseTable(rows, schema('drop'));
    assert.equal(t.numRows, 2);
    assert.equal(t.droppedRows, 3);
    assert.deepEqual([...t.labels], [0, 1]);
    assert.deepEqual([...t.numeric], [3750, 4100]);
  });

  it('"impute-mean" keeps missing features as NaN and −1, and drops a row without a label', () => {
    const t = parseTable(rows, schema('impute-mean'));
    assert.equal(t.numRows, 4);
    assert.equal(t.droppedRows, 1);
    assert.deepEqual([...t.numeric], [3750, 3800, NaN, 4100]);
    assert.deepEqual([...t.categorical], [1, -1, 0, 2]);
    assert.deepEqual([...t.labels], [0, 2, 0, 1]);
  });

  it('"error" refuses the first missing cell', () => {
    rejects(() => parseTable(rows, schema('error')), 'line 3, column "Island"');
  });

  it('refuses a bad cell even in a row it would drop', () => {
    rejects(() => parseTable([HEADER, ['1', '', 'heavy', 'Adelie']], schema('drop')), 'line 2, column "Body Mass (g)"');
  });
});
