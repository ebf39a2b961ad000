import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stateFields } from '../../../coordinator/cli/coordinator-command.js';

describe('fedsift coordinator flags', () => {
  it('--state takes a postgres URL as stateUrl and anything else as stateDir, over --state-dir and the file', () => {
    // Prepare
    const url = 'postgres://fedsift@db:5432/fl?schema=prod';
    // Execute + Assert
    assert.deepEqual(stateFields(url, undefined), { stateUrl: url, stateDir: null });
    assert.deepEqual(stateFields('postgresql://db/fl', '/var/a'), { stateUrl: 'postgresql://db/fl', stateDir: null });
    assert.deepEqual(stateFields('./state', '/var/a'), { stateDir: './state', stateUrl: null });
    assert.deepEqual(stateFields(undefined, '/var/a'), { stateDir: '/var/a' });
    assert.deepEqual(stateFields(undefined, undefined), {});
  });
});
