import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { writeFileAtomic } from '../../../shared/files/index.js';

describe('writeFileAtomic', () => {
  it('replaces a file with its parts in order, creates a new one with the mode asked, and leaves no temporary file', () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'fedsift-atomic-'));
    const old = join(dir, 'tokens.json');
    writeFileSync(old, 'old contents that are longer than the new ones');
    // Execute
    writeFileAtomic(old, ['{"a":', new Uint8Array([0x31]), '}']);
    writeFileAtomic(join(dir, 'secret.pem'), ['key'], 0o600);
    // Check
    assert.equal(readFileSync(old, 'utf8'), '{"a":1}');
    assert.equal(statSync(join(dir, 'secret.pem')).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(dir).sort(), ['secret.pem', 'tokens.json']);
  });
});
