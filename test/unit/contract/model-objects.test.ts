import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MODEL_OBJECTS_BUCKET, modelObjectName } from '../../../shared/contract/index.js';

describe('names of the global models in the NATS object store', () => {
  it('names one object per federation, run and round in bucket fedsift-models: <federation>/<run>/<round>', () => {
    assert.equal(MODEL_OBJECTS_BUCKET, 'fedsift-models');
    assert.equal(
      modelObjectName('hospital-net', 'run-20250101-120000-ab12', 7),
      'hospital-net/run-20250101-120000-ab12/7',
    );
  });

  it('gives two federations, two runs, two rounds different names (none a prefix of the other: run-1 vs run-10)', () => {
    const names = [
      modelObjectName('lab', 'run-1', 1),
      modelObjectName('lab', 'run-1', 12),
      modelObjectName('lab', 'run-10', 1),
      modelObjectName('lab', 'run-11', 2),
      modelObjectName('lab-2', 'run-1', 1),
    ];
    assert.equal(new Set(names).size, names.length);
    assert.deepEqual(
      names.filter((n) => n.startsWith('lab/run-1/')),
      ['lab/run-1/1', 'lab/run-1/12'],
    );
  });
});
