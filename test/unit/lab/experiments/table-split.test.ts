import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { splitTableRows } from '../../../../coordinator/lab/experiments/table-split.js';
import { ConfigError } from '../../../../shared/errors/index.js';

const LABEL = { column: 'species', classes: ['a', 'b', 'c'] };

/** 120 rows `id,species,note` (ids 0…119, classes in turn, a quoted cell with a comma), a blank line and a missing label. */
function rows(): string[][] {
  const body = Array.from({ length: 120 }, (_, i) => [String(i), LABEL.classes[i % 3]!, `note ${i}, "x"`]);
  return [['id', 'species', 'note'], ...body.slice(0, 60), [''], ...body.slice(60), ['120', '', 'no label']];
}

describe('splitTableRows', () => {
  it('puts every data row, whole, in exactly one of the test table and the shares', () => {
    // Prepare
    const all = rows();
    // Execute
    const split = splitTableRows(all, LABEL, { clients: 3, alpha: 0.5, seed: 7, testShare: 0.2 });
    // Assert
    assert.deepEqual(split.header, ['id', 'species', 'note']);
    assert.equal(split.shares.length, 3);
    assert.equal(split.test.length, Math.round(121 * 0.2));
    const parts = [split.test, ...split.shares].flat();
    assert.equal(parts.length, 121, 'the blank line is no row; the unlabelled one is');
    const byId = new Map(
      all
        .slice(1)
        .filter((r) => r.length === 3)
        .map((r) => [r[0], r]),
    );
    assert.equal(new Set(parts.map((r) => r[0])).size, 121, 'no row twice');
    for (const row of parts) assert.deepEqual(row, byId.get(row[0]), 'rows kept whole');
    for (const share of split.shares) assert.ok(share.length >= 10, `share of ${share.length} rows`);
  });

  it('is seeded: the same seed gives the same split, another seed another one', () => {
    // Prepare
    const o = { clients: 2, alpha: 0.5, testShare: 0.2 };
    // Execute
    const [a, b, c] = [1, 1, 2].map((seed) => splitTableRows(rows(), LABEL, { ...o, seed }));
    // Assert
    assert.deepEqual(a, b);
    assert.notDeepEqual(a!.shares, c!.shares);
  });

  it('refuses a CSV without the label column, and a partition the rows cannot give, as config errors', () => {
    // Prepare
    const noLabel = rows().map((r) => (r.length === 3 ? [r[0]!, r[2]!] : r));
    // Execute / Assert
    assert.throws(
      () => splitTableRows(noLabel, LABEL, { clients: 2, alpha: 0.5, seed: 0, testShare: 0.2 }),
      (err) =>
        err instanceof ConfigError && err.code === 'FS_ERR_CONFIG' && /no label column "species"/.test(err.message),
    );
    assert.throws(
      () => splitTableRows(rows(), LABEL, { clients: 20, alpha: 0.5, seed: 0, testShare: 0.2 }),
      (err) =>
        err instanceof ConfigError &&
        err.field === 'clients' &&
        /--clients 20: .*cannot give 20 clients/.test(err.message),
    );
  });
});
