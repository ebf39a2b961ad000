import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { neighbourhoods, SecAggProtocolError } from '../../../shared/secagg/index.js';
import { fedsiftError } from '../../helpers/fedsift-errors.js';

const ids = (n: number) => Array.from({ length: n }, (_, i) => `c${i}`);

describe('SecAgg+ neighbourhood graph', () => {
  it('is (numShares − 1)-regular and symmetric, without self-loops', () => {
    for (const [n, k] of [
      [10, 5],
      [10, 7],
      [51, 11],
    ] as const) {
      const g = neighbourhoods(ids(n), k, 42);
      assert.equal(g.size, n);
      for (const [u, near] of g) {
        assert.equal(near.length, k - 1, `${u} has ${near.length} neighbours`);
        assert.ok(!near.includes(u));
        for (const v of near) assert.ok(g.get(v)!.includes(u), `${u}–${v} is one-sided`);
      }
    }
  });

  it('is complete when numShares reaches the number of clients', () => {
    for (const n of [4, 5]) for (const near of neighbourhoods(ids(n), n, 1).values()) assert.equal(near.length, n - 1);
  });

  it('is the same for a seed whatever the order of the ids, and differs for another seed', () => {
    const g = neighbourhoods(ids(20), 5, 7);
    assert.deepEqual(neighbourhoods([...ids(20)].reverse(), 5, 7), g);
    assert.notDeepEqual(neighbourhoods(ids(20), 5, 8), g);
  });

  it('refuses duplicate ids and fewer than 2 clients', () => {
    assert.throws(() => neighbourhoods(['a', 'b', 'a'], 3, 1), fedsiftError(SecAggProtocolError, /a is listed twice/));
    assert.throws(() => neighbourhoods(['a'], 3, 1), fedsiftError(SecAggProtocolError, /≥ 2 clients/));
  });
});
