import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  describeSlowClients,
  listSlowClients,
  parseSlowClients,
  resolveSlowClients,
  type SlowClients,
} from '../../../../coordinator/lab/federation/index.js';
import { ConfigError } from '../../../../shared/errors/index.js';
import { fedsiftError } from '../../../helpers/fedsift-errors.js';

describe('--slow-clients', () => {
  it('reads K:Fx as clients 0…K−1 slowed F times', () => {
    // Execute
    const spec = parseSlowClients('3:5x');
    // Assert
    assert.deepEqual(spec, { clients: 3, factor: 5 });
    assert.deepEqual(
      [...resolveSlowClients(spec, 10)],
      [
        [0, 5],
        [1, 5],
        [2, 5],
      ],
    );
  });

  it('reads a list of indices, a fractional factor, and a factor without the x', () => {
    // Execute
    const list = parseSlowClients('5, 1,3:2.5x');
    const bare = parseSlowClients('7,:3');
    // Assert
    assert.deepEqual(list, { clients: [5, 1, 3], factor: 2.5 });
    assert.deepEqual([...resolveSlowClients(list, 6).keys()], [1, 3, 5]);
    assert.deepEqual([...resolveSlowClients(bare, 8)], [[7, 3]]);
  });

  it('takes the boundaries: K = 0 and F = 1 slow nobody, K = clients slows everyone', () => {
    // Execute / Assert
    assert.equal(resolveSlowClients(parseSlowClients('0:5x'), 4).size, 0);
    assert.equal(resolveSlowClients(parseSlowClients('4:1x'), 4).size, 0);
    assert.deepEqual([...resolveSlowClients(parseSlowClients('4:2x'), 4).keys()], [0, 1, 2, 3]);
    assert.deepEqual([...resolveSlowClients(parseSlowClients('3,:2x'), 4).keys()], [3]);
  });

  it('refuses text of another form, naming the flag', () => {
    for (const text of ['', '3', '3x', ':5x', 'three:5x', '1,x:5x', '-1:5x', '1.5:2x', '3:5x:1', ',:2x']) {
      // Execute / Assert
      assert.throws(() => parseSlowClients(text), fedsiftError(ConfigError, /^--slow-clients: expected K:Fx/), text);
    }
  });

  it('refuses a factor below 1, not finite, or not a number', () => {
    for (const text of ['3:0.5x', '3:0x', '3:-2x', '3:Infinityx', '3:1e999x', '3:NaNx', '3:fastx', '3:x']) {
      // Execute / Assert
      assert.throws(
        () => parseSlowClients(text),
        fedsiftError(ConfigError, /^--slow-clients: the slowdown F must be a finite number ≥ 1/),
        text,
      );
    }
  });

  it('refuses a count above the clients, an index outside them, a duplicate, all with field slowClients', () => {
    // Execute / Assert
    assert.throws(
      () => resolveSlowClients({ clients: 5, factor: 2 }, 4),
      fedsiftError(ConfigError, /--slow-clients: a count must be in \[0, 4\] .*, got 5$/),
    );
    assert.throws(
      () => resolveSlowClients({ clients: [1, 4], factor: 2 }, 4),
      fedsiftError(ConfigError, /client indices must be in \[0, 3\] .*, got 4$/),
    );
    assert.throws(
      () => resolveSlowClients({ clients: [1, 1], factor: 2 }, 4),
      fedsiftError(ConfigError, /duplicate client indices 1$/),
    );
    assert.throws(
      () => resolveSlowClients({ clients: 1, factor: 0.9 }, 4),
      (e: unknown) => e instanceof ConfigError && e.field === 'slowClients',
    );
  });

  it('names the slowed clients for a start line', () => {
    // Execute / Assert
    const described = (spec: SlowClients, clients: number) =>
      describeSlowClients(listSlowClients(resolveSlowClients(spec, clients)));
    assert.equal(describeSlowClients([]), 'no slowed clients');
    assert.equal(described({ clients: 1, factor: 3 }, 2), 'client 0 trains 3× slower');
    assert.equal(described({ clients: [2, 0], factor: 5 }, 3), 'clients 0, 2 train 5× slower');
    assert.equal(described({ clients: 2, factor: 1 }, 3), 'no slowed clients');
  });
});
