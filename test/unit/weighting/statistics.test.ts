import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { meanLossByClass, weightHistogram } from '../../../client-node/weighting/index.js';
import { assertClose } from '../../helpers/assert-close.js';

describe('aggregate statistics a site reports', () => {
  it('weight histogram: shares per fifth of [0, 1], 1 in the last bin', () => {
    assertClose(
      [...weightHistogram(Float32Array.from([0, 0.1, 0.2, 0.5, 0.99, 1, 1, 1]))],
      [2 / 8, 1 / 8, 1 / 8, 0, 4 / 8],
      1e-12,
    );
    assert.deepEqual([...weightHistogram(new Float32Array(0))], [0, 0, 0, 0, 0]);
  });

  it('mean loss by class skips invalid rows and is NaN for a class the site lacks', () => {
    const m = meanLossByClass(
      Float32Array.from([1, 3, 0.5, 9]),
      Int32Array.from([0, 0, 2, 2]),
      3,
      Uint8Array.from([1, 1, 1, 0]),
    );
    assert.equal(m[0], 2);
    assert.ok(Number.isNaN(m[1]!), 'no sample labelled 1');
    assert.equal(m[2], 0.5);
  });

  it('all samples of one class: the other classes are NaN', () => {
    const m = meanLossByClass(Float32Array.from([0.25, 0.75]), Int32Array.from([1, 1]), 2);
    assert.ok(Number.isNaN(m[0]!));
    assert.equal(m[1], 0.5);
  });
});
