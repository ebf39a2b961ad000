import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import {
  classCounts,
  decodeIdx,
  dirichletPartition,
  idxToDataset,
  iidPartition,
  loadCsv,
  loadDataSource,
  loadMnistSplit,
  MNIST_TEST_SIZE,
  parseCsvRows,
  readIdx,
} from '../../../shared/data/index.js';
import { ConfigError, DataError } from '../../../shared/errors/index.js';
import { createRng } from '../../../shared/random/index.js';

const dir = mkdtempSync(join(tmpdir(), 'fedsift-data-'));

function idxBytes(dims: number[], data: number[]): Uint8Array {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = 0x08;
  header[3] = dims.length;
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(data)]);
}

describe('bundled MNIST digits', () => {
  it('splits the 10,000 real digits into 8,000 train and 2,000 test, the same every time, disjoint', () => {
    const train = loadMnistSplit('train');
    const test = loadMnistSplit('test');
    assert.equal(train.labels.length, 8000);
    assert.equal(test.labels.length, MNIST_TEST_SIZE);
    assert.equal(train.numFeatures, 784);
    assert.ok(
      classCounts(test).every((c) => c > 100),
      'every class is in the test set',
    );
    assert.deepEqual(loadMnistSplit('test').labels, test.labels);
    const key = (f: Float32Array, i: number) => f.subarray(i * 784, (i + 1) * 784).join(',');
    const trainKeys = new Set(Array.from({ length: 8000 }, (_, i) => key(train.features, i)));
    const overlap = Array.from({ length: 2000 }, (_, i) => key(test.features, i)).filter((k) =>
      trainKeys.has(k),
    ).length;
    assert.ok(overlap <= 5, `test digits also in train: ${overlap}`); // a few digits are duplicated in the source data itself
  });
});

describe('Dirichlet partition', () => {
  const labels = loadMnistSplit('train').labels;

  it('covers every example exactly once, reproducibly from the seed', () => {
    const parts = dirichletPartition(labels, 10, 10, 0.5, createRng(0));
    const all = parts.flat().sort((a, b) => a - b);
    assert.deepEqual(
      all,
      Array.from({ length: 8000 }, (_, i) => i),
    );
    assert.deepEqual(dirichletPartition(labels, 10, 10, 0.5, createRng(0)), parts);
    assert.notDeepEqual(dirichletPartition(labels, 10, 10, 0.5, createRng(1)), parts);
    assert.ok(parts.every((p) => p.length >= 10));
  });

  it('skews labels more for small α than for large α', () => {
    const skew = (alpha: number) => {
      const parts = dirichletPartition(labels, 10, 10, alpha, createRng(2));
      // mean share of a client's most frequent class
      return (
        parts.reduce(
          (s, p) =>
            s + Math.max(...classCounts({ labels: Int32Array.from(p, (i) => labels[i]!), numClasses: 10 })) / p.length,
          0,
        ) / parts.length
      );
    };
    const [low, high] = [skew(0.1), skew(100)];
    assert.ok(low > 0.4, `α=0.1 top-class share ${low}`);
    assert.ok(high < 0.2, `α=100 top-class share ${high}`);
  });

  it('rejects α ≤ 0 and impossible minimum sizes', () => {
    assert.throws(
      () => dirichletPartition(labels, 10, 10, 0, createRng(0)),
      (e: unknown) => e instanceof DataError && /alpha must be > 0/.test(e.message),
    );
    assert.throws(() => dirichletPartition([0, 1, 2], 3, 2, 1, createRng(0), 2), /cannot give 2 clients 2 each/);
  });

  it('gives a site its share through the data-source config', () => {
    const ds = loadDataSource(
      { kind: 'mnist', split: 'train', partition: { numPartitions: 4, index: 3, alpha: 0.5, seed: 9 } },
      10,
    );
    const expected = dirichletPartition(labels, 10, 4, 0.5, createRng(9))[3]!;
    assert.equal(ds.labels.length, expected.length);
    assert.deepEqual(
      [...ds.labels.slice(0, 20)],
      expected.slice(0, 20).map((i) => labels[i]),
    );
  });
});

describe('IID partition', () => {
  it('covers every example exactly once in near-equal parts, reproducibly from the seed', () => {
    // Prepare / Execute
    const parts = iidPartition(103, 10, createRng(0));
    // Assert
    assert.deepEqual(
      parts.flat().sort((a, b) => a - b),
      Array.from({ length: 103 }, (_, i) => i),
    );
    assert.ok(parts.every((p) => p.length === 10 || p.length === 11));
    assert.deepEqual(iidPartition(103, 10, createRng(0)), parts);
    assert.notDeepEqual(iidPartition(103, 10, createRng(1)), parts);
  });

  it('rejects more clients than examples, and zero clients', () => {
    assert.throws(
      () => iidPartition(5, 6, createRng(0)),
      (e: unknown) => e instanceof DataError && /numClients must be an integer in \[1, 5\], got 6/.test(e.message),
    );
    assert.throws(() => iidPartition(5, 0, createRng(0)), DataError);
  });
});

describe('CSV loader', () => {
  it('reads numeric features and the label column by name, scaling features', () => {
    const path = join(dir, 'site.csv');
    writeFileSync(path, 'f1,label,f2\n1,0,2\n3,2,4\n\n');
    const ds = loadCsv(path, { numClasses: 3, featureScale: 0.5 });
    assert.equal(ds.numFeatures, 2);
    assert.deepEqual([...ds.labels], [0, 2]);
    assert.deepEqual([...ds.features], [0.5, 1, 1.5, 2]);
  });

  it('names the line and column of a bad cell, and a missing label column', () => {
    assert.throws(
      () =>
        parseCsvRows(
          [
            ['a', 'label'],
            ['1', '0'],
            ['x', '1'],
          ],
          { numClasses: 2 },
        ),
      (e: unknown) => e instanceof DataError && /line 3, column "a": "x" is not a finite number/.test(e.message),
    );
    const withBlanks = join(dir, 'blanks.csv');
    writeFileSync(withBlanks, 'a,label\n\n1,0\n\n2,z\n');
    assert.throws(() => loadCsv(withBlanks, { numClasses: 2 }), /line 5, column "label": "z"/);
    assert.throws(
      () =>
        parseCsvRows(
          [
            ['a', 'label'],
            ['1', '7'],
          ],
          { numClasses: 2 },
        ),
      /line 2, column "label": label 7 is not a class index in \[0, 2\)/,
    );
    assert.throws(
      () =>
        parseCsvRows(
          [
            ['a', 'y'],
            ['1', '0'],
          ],
          { numClasses: 2 },
        ),
      /no label column "label"/,
    );
    assert.throws(() => loadCsv(join(dir, 'missing.csv'), { numClasses: 2 }), /cannot read CSV/);
  });

  it('refuses a CSV with a data schema: it is a table, read with loadTable', () => {
    assert.throws(
      () => loadDataSource({ kind: 'csv', path: 'site.csv', schema: 'schema.json' }),
      (e: unknown) => e instanceof ConfigError && e.field === 'schema' && /read it as a table/.test(e.message),
    );
  });

  it('without a class count (a site before any run) takes any non-negative integer label: classes = 1 + the largest', () => {
    // Prepare
    const rows = (label: string) => [
      ['a', 'label'],
      ['1', '0'],
      ['2', label],
    ];
    // Execute
    const ds = parseCsvRows(rows('4'), {});
    // Assert
    assert.equal(ds.numClasses, 5);
    assert.deepEqual([...ds.labels], [0, 4]);
    for (const bad of ['-1', '1.5'])
      assert.throws(
        () => parseCsvRows(rows(bad), {}),
        (e: unknown) =>
          e instanceof DataError &&
          e.message.includes(`line 3, column "label": label ${bad} is not a class index a non-negative integer`),
      );
  });

  it('names the missing label column, a few header columns and --label-column, not every column of a wide table', () => {
    const header = ['class', ...Array.from({ length: 784 }, (_, i) => `pixel${i}`)];
    assert.throws(
      () => parseCsvRows([header, header.map(() => '0')], { numClasses: 10 }),
      (e: unknown) =>
        e instanceof DataError &&
        /no label column "label"; the header starts "class", "pixel0", .*"pixel6", … \(785 columns\)\. Name the label column with --label-column/.test(
          e.message,
        ) &&
        e.message.length < 300,
    );
  });
});

describe('IDX loader', () => {
  it('reads an images/labels pair, gzipped or not, scaling pixels to [0, 1]', () => {
    const images = idxBytes([2, 2, 2], [0, 255, 51, 102, 255, 255, 0, 0]);
    const labels = idxBytes([2], [3, 9]);
    writeFileSync(join(dir, 'img.idx3-ubyte.gz'), gzipSync(images));
    writeFileSync(join(dir, 'lbl.idx1-ubyte'), labels);
    const ds = loadDataSource(
      { kind: 'idx', images: join(dir, 'img.idx3-ubyte.gz'), labels: join(dir, 'lbl.idx1-ubyte') },
      10,
    );
    assert.equal(ds.numFeatures, 4);
    assert.deepEqual([...ds.labels], [3, 9]);
    assert.deepEqual(
      [...ds.features.slice(0, 4)].map((v) => Math.round(v * 255)),
      [0, 255, 51, 102],
    );
    assert.deepEqual(readIdx(join(dir, 'lbl.idx1-ubyte')).dims, [2]);
    const unknown = loadDataSource({
      kind: 'idx',
      images: join(dir, 'img.idx3-ubyte.gz'),
      labels: join(dir, 'lbl.idx1-ubyte'),
    });
    assert.equal(unknown.numClasses, 10, 'without a class count: 1 + the largest label');
  });

  it('rejects a bad magic number, other element types, truncated bodies and count mismatches', () => {
    assert.throws(() => decodeIdx(new Uint8Array([1, 0, 8, 1])), /bad magic/);
    assert.throws(
      () => decodeIdx(new Uint8Array([0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0])),
      /element type 0xd not supported/,
    );
    assert.throws(() => decodeIdx(idxBytes([3], [1, 2])), /body has 2 bytes, dimensions \[3\] need 3/);
    assert.throws(
      () => idxToDataset(decodeIdx(idxBytes([2, 1], [0, 0])), decodeIdx(idxBytes([1], [0])), 10),
      /2 images but labels have dimensions \[1\]/,
    );
    assert.throws(
      () => idxToDataset(decodeIdx(idxBytes([1, 1], [0])), decodeIdx(idxBytes([1], [12])), 10),
      /label 12 of example 0/,
    );
  });
});
