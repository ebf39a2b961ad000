import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DataError } from '../../../shared/errors/index.js';
import {
  combineStatistics,
  parseDataSchema,
  parseTable,
  siteStatistics,
  statisticsProblem,
  type SiteSums,
  type Table,
} from '../../../shared/tabular/index.js';
import { penguinRows, penguinSchema } from '../../helpers/penguins.js';

/** impute-mean keeps every penguin, with its missing cells: counts below rows, missing categories counted. */
const schema = penguinSchema({ missing: 'impute-mean' });
// The one Sex of "." is a data-entry marker in the source: read as missing here.
const rows = penguinRows().map((r) => r.map((c) => (c === '.' ? 'NA' : c)));
const [header, ...body] = rows as [string[], ...string[][]];
/** 3 sites of unequal sizes; the source is sorted by species, so their means differ. */
const sites = [body.slice(0, 50), body.slice(50, 167), body.slice(167)].map((part) =>
  parseTable([header, ...part], schema),
);
const pooled = parseTable(rows, schema);

/** Mean and population std of numeric column k of a table, two-pass, over its non-missing cells. */
function twoPass(t: Table, k: number, stride: number): { mean: number; std: number } {
  const xs = Array.from({ length: t.numRows }, (_, r) => t.numeric[r * stride + k]!).filter((x) => !Number.isNaN(x));
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return { mean, std: Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / xs.length) };
}

function assertRelative(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol * Math.abs(expected), `${what}: ${actual} vs ${expected}`);
}

describe("a site's sums", () => {
  it('counts non-missing cells, sums them and their squares, and counts categories and missing cells', () => {
    // Prepare
    const s = parseDataSchema({
      features: [
        { name: 'x', kind: 'numeric' },
        { name: 'empty', kind: 'numeric' },
        { name: 'c', kind: 'categorical', categories: ['a', 'b'] },
      ],
      label: { column: 'y', classes: ['0', '1'] },
      missing: 'impute-mean',
    });
    const t = parseTable(
      [
        ['x', 'empty', 'c', 'y'],
        ['2', '', 'b', '0'],
        ['NA', '?', '', '1'],
        ['-3', '', 'b', '1'],
      ],
      s,
    );

    // Execute
    const sums = siteStatistics(t);

    // Assert
    assert.deepEqual(sums, {
      rows: 3,
      numeric: [
        { name: 'x', count: 2, sum: -1, sumSquares: 13, min: -3, max: 2 },
        { name: 'empty', count: 0, sum: 0, sumSquares: 0, min: 0, max: 0 },
      ],
      categorical: [{ name: 'c', counts: [0, 2], missing: 1 }],
    });
  });
});

describe("combining sites' statistics", () => {
  it("equals the pooled data's mean and std within 1e-9 relative, for 3 real sites of unequal sizes", () => {
    // Execute
    const global = combineStatistics(schema, sites.map(siteStatistics));

    // Assert
    assert.deepEqual(
      sites.map((t) => t.numRows),
      [50, 117, 177],
    );
    assert.equal(global.sites, 3);
    assert.equal(global.rows, 344);
    const reference = siteStatistics(pooled);
    global.numeric.forEach((g, k) => {
      const { mean, std } = twoPass(pooled, k, 4);
      assertRelative(g.mean, mean, 1e-9, `${g.name} mean`);
      assertRelative(g.std, std, 1e-9, `${g.name} std`);
      assert.equal(g.count, 342);
      assert.equal(g.min, reference.numeric[k]!.min);
      assert.equal(g.max, reference.numeric[k]!.max);
    });
    assert.deepEqual(
      global.categorical.map((c) => c.counts),
      reference.categorical.map((c) => c.counts),
    );
    const sex = global.categorical[1]!;
    assert.deepEqual(sex.counts, [165, 168]);
    assert.deepEqual(sex.frequencies, [165 / 333, 168 / 333]);
  });

  it('gives the same statistics whatever the order of the sites', () => {
    const forward = combineStatistics(schema, sites.map(siteStatistics));
    const backward = combineStatistics(schema, sites.map(siteStatistics).reverse());
    forward.numeric.forEach((g, k) => assertRelative(backward.numeric[k]!.std, g.std, 1e-12, g.name));
  });

  it('gives a constant column std 0, never NaN', () => {
    // Prepare: 0.1 is inexact in binary, so Σx² − Σx·mean can round below 0
    const s = parseDataSchema({
      features: [{ name: 'x', kind: 'numeric' }],
      label: { column: 'y', classes: ['0', '1'] },
    });
    const site = (n: number) =>
      siteStatistics(parseTable([['x', 'y'], ...Array.from({ length: n }, () => ['0.1', '0'])], s));

    // Execute
    const g = combineStatistics(s, [site(7), site(3), site(11)]).numeric[0]!;

    // Assert
    assert.equal(g.std, 0);
    assertRelative(g.mean, 0.1, 1e-15, 'mean');
  });

  it('refuses sites without rows, sums that do not fit, and a column with no value anywhere', () => {
    const good = siteStatistics(sites[0]!);
    const empty = { ...good, rows: 0, numeric: good.numeric.map((c) => ({ ...c, count: 0 })) };
    empty.categorical = good.categorical.map((c) => ({ ...c, counts: c.counts.map(() => 0), missing: 0 }));
    assert.throws(
      () => combineStatistics(schema, []),
      (e: unknown) => e instanceof DataError && /no rows/.test(e.message),
    );
    assert.throws(() => combineStatistics(schema, [empty]), /no rows/);
    assert.throws(
      () => combineStatistics(schema, [good, { ...good, rows: -1 }]),
      (e: unknown) => e instanceof DataError && e.code === 'FS_ERR_DATA' && /site 1: rows -1/.test(e.message),
    );
    const noMass = {
      ...good,
      numeric: good.numeric.map((c, k) => (k === 3 ? { ...c, count: 0, sum: 0, sumSquares: 0 } : c)),
    };
    assert.throws(() => combineStatistics(schema, [noMass]), /column "Body Mass \(g\)" has no value on any site/);
  });
});

describe('statisticsProblem', () => {
  const good = siteStatistics(sites[1]!);
  /** A copy of the good sums with one change. */
  const changed = (change: (s: SiteSums) => void): SiteSums => {
    const s = structuredClone(good);
    change(s);
    return s;
  };

  it("accepts a real site's sums", () => {
    assert.equal(statisticsProblem(schema, good), undefined);
  });

  const cases: [string, (s: SiteSums) => void, RegExp][] = [
    [
      'another column name',
      (s) => void (s.numeric[0]!.name = 'Beak'),
      /numeric column 0 is "Beak", the schema's is "Beak Length \(mm\)"/,
    ],
    ['columns in another order', (s) => void s.numeric.reverse(), /numeric column 0 is "Body Mass \(g\)"/],
    ['a column fewer', (s) => void s.categorical.pop(), /categorical: 1 columns, the schema has 2/],
    [
      'a wrong number of categories',
      (s) => void s.categorical[0]!.counts.push(0),
      /categorical "Island": 4 counts, the schema has 3/,
    ],
    ['a negative count', (s) => void (s.numeric[1]!.count = -2), /count -2 is not a non-negative integer/],
    ['a non-integer count', (s) => void (s.categorical[1]!.missing = 0.5), /count 0.5 is not a non-negative integer/],
    [
      'a count sent as text',
      (s) => void (s.rows = '117' as unknown as number),
      /rows 117 is not a non-negative integer/,
    ],
    ['count > rows', (s) => void (s.numeric[2]!.count = 118), /count 118 > rows 117/],
    ['a NaN sum', (s) => void (s.numeric[0]!.sum = NaN), /sum NaN is not finite/],
    [
      'an infinite sum of squares',
      (s) => void (s.numeric[0]!.sumSquares = Infinity),
      /sumSquares Infinity is not finite/,
    ],
    ['a negative sum of squares', (s) => void (s.numeric[0]!.sumSquares = -1), /sumSquares -1 is negative/],
    ['min > max', (s) => void (s.numeric[0]!.min = 1e9), /min 1000000000 > max/],
    ['category counts not adding up to rows', (s) => void s.categorical[0]!.counts[0]!++, /add up to 118, rows is 117/],
  ];
  for (const [what, change, reason] of cases) {
    it(`refuses ${what}`, () => {
      assert.match(statisticsProblem(schema, changed(change)) ?? 'accepted', reason);
    });
  }
});
