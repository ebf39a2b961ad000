import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseNoisyClients, resolveNoisyClients } from '../../../../coordinator/lab/experiments/index.js';
import { ConfigError } from '../../../../shared/errors/index.js';
import { fedsiftError } from '../../../helpers/fedsift-errors.js';

describe('--noisy-clients', () => {
  it('reads one integer as a count: clients 0…n−1', () => {
    // Execute
    const spec = parseNoisyClients('5');
    // Assert
    assert.equal(spec, 5);
    assert.deepEqual(resolveNoisyClients(spec, 10), [0, 1, 2, 3, 4]);
  });

  it('reads a comma-separated list as client indices, sorted', () => {
    // Execute
    const spec = parseNoisyClients('9, 1,3,5,7');
    // Assert
    assert.deepEqual(spec, [9, 1, 3, 5, 7]);
    assert.deepEqual(resolveNoisyClients(spec, 10), [1, 3, 5, 7, 9]);
  });

  it('reads "7," as client 7 alone', () => {
    // Execute / Assert
    assert.deepEqual(resolveNoisyClients(parseNoisyClients('7,'), 10), [7]);
  });

  it('refuses text that is not a count or a list of indices, naming the flag', () => {
    for (const text of ['', 'half', '-1', '1.5', '1,x,3', ',']) {
      // Execute / Assert
      assert.throws(() => parseNoisyClients(text), fedsiftError(ConfigError, /^--noisy-clients: expected a count n/));
    }
  });

  it('refuses a count outside [1, clients]', () => {
    // Execute / Assert
    assert.throws(
      () => resolveNoisyClients(0, 10),
      fedsiftError(ConfigError, /--noisy-clients: a count must be in \[1, 10\] .*, got 0$/),
    );
    assert.throws(() => resolveNoisyClients(11, 10), fedsiftError(ConfigError, /in \[1, 10\] .*, got 11$/));
  });

  it('refuses an index outside [0, clients − 1], naming it', () => {
    // Execute / Assert
    assert.throws(
      () => resolveNoisyClients([1, 10, 3], 10),
      fedsiftError(ConfigError, /--noisy-clients: client indices must be in \[0, 9\] .*got 10$/),
    );
  });

  it('refuses duplicates, naming them once', () => {
    // Execute / Assert
    assert.throws(
      () => resolveNoisyClients([1, 3, 1, 3, 1], 10),
      fedsiftError(ConfigError, /--noisy-clients: duplicate client indices 1, 3$/),
    );
  });

  it('refuses an empty list and puts the field on the error', () => {
    // Execute / Assert
    assert.throws(
      () => resolveNoisyClients([], 10),
      (err: unknown) => fedsiftError(ConfigError, /empty/)(err) && (err as ConfigError).field === 'noisyClients',
    );
  });
});
