import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAttack, poisonUpdate } from '../../../client-node/attacks/index.js';

describe('poisoning attacks (fault injection)', () => {
  it('scales or flips the update around the global model', () => {
    const g = new Float32Array([1, 1]),
      w = new Float32Array([2, 0]);
    assert.deepEqual([...poisonUpdate(g, w, { kind: 'scale', factor: 10 })], [11, -9]);
    assert.deepEqual([...poisonUpdate(g, w, { kind: 'signflip', factor: 2 })], [-1, 3]);
  });

  it('parses kind:factor and refuses anything else', () => {
    assert.deepEqual(parseAttack('signflip:4'), { kind: 'signflip', factor: 4 });
    assert.deepEqual(parseAttack('scale'), { kind: 'scale', factor: 1 });
    assert.equal(parseAttack('scale:-1'), undefined);
    assert.equal(parseAttack('noise:3'), undefined);
  });
});
