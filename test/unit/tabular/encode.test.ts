import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DataError } from '../../../shared/errors/index.js';
import {
  combineStatistics,
  encodedWidth,
  encodeTable,
  needsStatistics,
  parseDataSchema,
  parseTable,
  siteStatistics,
  type DataSchema,
  type Table,
} from '../../../shared/tabular/index.js';
import { assertClose } from '../../helpers/assert-close.js';
import { penguinRows, penguinSchema } from '../../helpers/penguins.js';

/** mass (numeric), Island (categorical), flipper (numeric): the encoded row interleaves them in this order. */
function schema(overrides: Record<string, unknown> = {}): DataSchema {
  return parseDataSchema({
    features: [
      { name: 'mass', kind: 'numeric' },
      { name: 'Island', kind: 'categorical', categories: ['Biscoe', 'Dream', 'Torgersen'] },
      { name: 'flipper', kind: 'numeric' },
    ],
    label: { column: 'Species', classes: ['Adelie', 'Gentoo'] },
    ...overrides,
  });
}
const HEADER = ['mass', 'Island', 'flipper', 'Species'];

/** Each site's table, and every site encoded with the statistics combined over all of them. */
function federate(s: DataSchema, ...sites: string[][][]): { tables: Table[]; encoded: Float32Array[] } {
  const tables = sites.map((rows) => parseTable([HEADER, ...rows], s));
  const stats = combineStatistics(s, tables.map(siteStatistics));
  return { tables, encoded: tables.map((t) => encodeTable(t, stats).features) };
}

describe('encoding a table', () => {
  it('one-hot encodes the same value identically on sites that saw different categories', () => {
    // Prepare: site A sees only Dream; site B sees Torgersen first, then Dream
    const { encoded } = federate(
      schema(),
      [
        ['4000', 'Dream', '200', 'Adelie'],
        ['4000', 'Dream', '190', 'Adelie'],
      ],
      [
        ['3000', 'Torgersen', '180', 'Gentoo'],
        ['4000', 'Dream', '200', 'Gentoo'],
        ['5000', 'Biscoe', '230', 'Gentoo'],
      ],
    );

    // Assert: A's row 0 and B's row 1 hold the same values, so the same inputs
    const [a, b] = encoded as [Float32Array, Float32Array];
    assert.deepEqual(a.subarray(0, 5), b.subarray(5, 10));
    assert.deepEqual([...a.subarray(1, 4)], [0, 1, 0]);
    assert.deepEqual([...b.subarray(1, 4)], [0, 0, 1]);
  });

  it("lays out the schema's features in order, each expanded, with the schema's class count", () => {
    const s = schema({ standardize: false });
    const ds = encodeTable(parseTable([HEADER, ['4000', 'Biscoe', '200', 'Gentoo']], s), undefined);
    assert.equal(ds.numFeatures, encodedWidth(s));
    assert.equal(ds.numClasses, 2);
    assert.deepEqual([...ds.features], [4000, 1, 0, 0, 200]);
    assert.deepEqual([...ds.labels], [1]);
  });

  it("standardises with the global statistics: the real penguins' pooled inputs have mean 0 and std 1", () => {
    // Prepare: 3 unequal sites; the one Sex of "." read as missing, its row dropped
    const s = penguinSchema({ missing: 'drop' });
    const [header, ...body] = penguinRows().map((r) => r.map((c) => (c === '.' ? 'NA' : c))) as [
      string[],
      ...string[][],
    ];
    const tables = [body.slice(0, 90), body.slice(90, 130), body.slice(130)].map((p) => parseTable([header, ...p], s));
    const stats = combineStatistics(s, tables.map(siteStatistics));

    // Execute
    const encoded = tables.map((t) => encodeTable(t, stats));

    // Assert: columns 3..6 are the 4 measures (Island's 3 one-hot inputs come first)
    const width = encodedWidth(s);
    const rows = encoded.flatMap((ds) =>
      Array.from({ length: ds.labels.length }, (_, r) => ds.features.subarray(r * width, (r + 1) * width)),
    );
    assert.equal(rows.length, 333);
    for (let c = 3; c < 7; c++) {
      const xs = rows.map((row) => row[c]!);
      const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
      const std = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / xs.length);
      assertClose([mean, std], [0, 1], 1e-6, `column ${c}`);
    }
  });

  it('divides by 1 where the global std is 0', () => {
    const { encoded } = federate(schema(), [['4000', 'Dream', '200', 'Adelie']], [['5000', 'Dream', '200', 'Gentoo']]);
    assert.deepEqual([...encoded[0]!], [-1, 0, 1, 0, 0]);
  });
});

describe('impute-mean', () => {
  // Site A's own mass mean (3000) and Island mode (Biscoe) differ from the global ones (4200, Dream).
  const siteA = [
    ['3000', 'Biscoe', '180', 'Adelie'],
    ['NA', 'NA', '', 'Adelie'],
    ['3000', 'Biscoe', '180', 'Adelie'],
  ];
  const siteB = [
    ['5000', 'Dream', '220', 'Gentoo'],
    ['5000', 'Dream', '220', 'Gentoo'],
    ['5000', 'Dream', '220', 'Gentoo'],
  ];

  it('fills a missing numeric with the global mean: 0 once standardised', () => {
    const { encoded } = federate(schema({ missing: 'impute-mean' }), siteA, siteB);
    assert.equal(encoded[0]![5], 0);
    assert.equal(encoded[0]![9], 0);
  });

  it("fills a missing numeric with the global mean, not the site's, when not standardising", () => {
    const { encoded } = federate(schema({ missing: 'impute-mean', standardize: false }), siteA, siteB);
    assert.deepEqual([...encoded[0]!.subarray(5, 10)], [4200, 0, 1, 0, 204]);
  });

  it('fills a missing category with the globally most frequent one', () => {
    const { encoded } = federate(schema({ missing: 'impute-mean' }), siteA, siteB);
    assert.deepEqual([...encoded[0]!.subarray(6, 9)], [0, 1, 0]);
  });
});

describe('statistics an encoding needs', () => {
  it('are needed to standardise numerics or to impute, not otherwise', () => {
    assert.equal(needsStatistics(schema()), true);
    assert.equal(needsStatistics(schema({ standardize: false })), false);
    assert.equal(needsStatistics(schema({ standardize: false, missing: 'impute-mean' })), true);
    const categoricalOnly = parseDataSchema({
      features: [{ name: 'Island', kind: 'categorical', categories: ['Biscoe'] }],
      label: { column: 'Species', classes: ['a', 'b'] },
    });
    assert.equal(needsStatistics(categoricalOnly), false);
  });

  it('refuses to encode without them when needed, or with statistics of another schema', () => {
    // Prepare
    const s = schema();
    const t = parseTable([HEADER, ['4000', 'Dream', '200', 'Adelie']], s);
    const stats = combineStatistics(s, [siteStatistics(t)]);
    const other = { ...stats, numeric: [...stats.numeric].reverse() };

    // Execute + Assert
    assert.throws(
      () => encodeTable(t, undefined),
      (e: unknown) =>
        e instanceof DataError && e.code === 'FS_ERR_DATA' && /needs the run's global statistics/.test(e.message),
    );
    assert.throws(
      () => encodeTable(t, other),
      (e: unknown) => e instanceof DataError && /numeric column 0 is "flipper"/.test(e.message),
    );
    assert.throws(
      () => encodeTable(t, { ...stats, numeric: stats.numeric.map((g) => ({ ...g, std: NaN })) }),
      /numeric "mass": mean 4000, std NaN/,
    );
  });
});
