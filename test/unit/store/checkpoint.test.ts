import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  decodeCheckpoint,
  encodeCheckpoint,
  readCheckpoint,
  writeCheckpoint,
  type AsyncCheckpoint,
} from '../../../coordinator/store/index.js';
import { DataError } from '../../../shared/errors/index.js';
import { fedsiftError } from '../../helpers/fedsift-errors.js';
import { testCheckpoint } from '../../helpers/store-records.js';

describe('checkpoint layout', () => {
  it('a checkpoint file round-trips the model and the server state, and a truncated one is refused', () => {
    // Prepare
    const path = join(mkdtempSync(join(tmpdir(), 'fedsift-ckpt-')), 'c.ckpt');
    const written = testCheckpoint(7);

    // Execute
    writeCheckpoint(path, written);
    const back = readCheckpoint(path);
    writeFileSync(path, readFileSync(path).subarray(0, -4));

    // Assert
    assert.equal(back.round, 7);
    assert.deepEqual(back.weights.specs, written.weights.specs);
    assert.deepEqual([...back.weights.values], [...written.weights.values]);
    assert.deepEqual([...back.serverState.momentum!], [...written.serverState.momentum!]);
    assert.throws(
      () => readCheckpoint(path),
      fedsiftError(DataError, /c\.ckpt: \d+ bytes, expected \d+ \(truncated\?\)/),
    );
  });

  it('refuses bytes whose header is damaged, or that are no checkpoint, with DataError naming the source', () => {
    // Prepare: flip the header's opening brace
    const bytes = Buffer.concat(encodeCheckpoint(testCheckpoint(1)));
    const damaged = Buffer.from(bytes);
    damaged[9] = 0x00;

    // Execute, Assert
    assert.throws(() => decodeCheckpoint(damaged, 'row 1'), fedsiftError(DataError, /^row 1: its header is not JSON/));
    assert.throws(
      () => decodeCheckpoint(Buffer.from('hello'), 'row 2'),
      fedsiftError(DataError, /^row 2 is not a fedsift checkpoint/),
    );
  });

  it("round-trips an asynchronous run's consumed dispatch keys and next dispatch id, and a sync one has none", () => {
    // Prepare
    const async: AsyncCheckpoint = {
      consumed: [
        ['c-1/3', 'ab12'],
        ['c-2/4', ''],
      ],
      nextDispatch: 9,
    };
    // Execute
    const back = decodeCheckpoint(Buffer.concat(encodeCheckpoint({ ...testCheckpoint(2), async })), 'row 2');
    const sync = decodeCheckpoint(Buffer.concat(encodeCheckpoint(testCheckpoint(2))), 'row 2');
    // Assert
    assert.deepEqual(back.async, async);
    assert.equal('async' in sync, false);
  });
});
