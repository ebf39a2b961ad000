import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FileSpill, SPILL_DIR_PREFIX } from '../../../coordinator/spill/index.js';
import { AggregationError } from '../../../shared/errors/index.js';

describe('FileSpill', () => {
  const root = mkdtempSync(join(tmpdir(), 'fedsift-spill-test-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  it('appends vectors to a file on disk and reads ranges of them back', () => {
    // Prepare
    const spill = new FileSpill(4, root);
    try {
      // Execute
      const slots = [spill.append(new Float32Array([1, 2, 3, 4])), spill.append(new Float32Array([-1, 0.5, 7, 8]))];
      const out = new Float32Array(2);
      spill.read(1, 1, out);
      // Assert
      assert.deepEqual(slots, [0, 1]);
      assert.equal(spill.count, 2);
      assert.deepEqual([...out], [0.5, 7]);
      const [dir] = readdirSync(root);
      assert.ok(dir?.startsWith(SPILL_DIR_PREFIX));
      assert.equal(statSync(join(root, dir!, 'updates.f32')).size, 2 * 4 * 4);
    } finally {
      spill.dispose();
    }
  });

  it('keeps its own copy: the caller may reuse the buffer it appended', () => {
    const spill = new FileSpill(2, root);
    const buf = new Float32Array([1, 2]);
    spill.append(buf);
    buf.fill(9);
    const out = new Float32Array(2);
    spill.read(0, 0, out);
    assert.deepEqual([...out], [1, 2]);
    spill.dispose();
  });

  it('deletes its file on dispose (twice is fine) and refuses use afterwards', () => {
    const spill = new FileSpill(1, root);
    spill.append(new Float32Array([1]));
    const dir = join(
      root,
      readdirSync(root).find((d) => d.startsWith(SPILL_DIR_PREFIX))!,
    );
    spill.dispose();
    spill.dispose();
    assert.equal(existsSync(dir), false);
    assert.throws(
      () => spill.append(new Float32Array([1])),
      (e: unknown) =>
        e instanceof AggregationError && e.code === 'FS_ERR_AGGREGATION' && /after dispose/.test(e.message),
    );
  });

  it('refuses a vector of another length and a slot never written', () => {
    const spill = new FileSpill(3, root);
    try {
      assert.throws(
        () => spill.append(new Float32Array(2)),
        (e: unknown) => e instanceof AggregationError && /spill: 2 values, expected 3/.test(e.message),
      );
      assert.throws(
        () => spill.read(0, 0, new Float32Array(3)),
        (e: unknown) => e instanceof AggregationError && /slot 0 has no values/.test(e.message),
      );
    } finally {
      spill.dispose();
    }
  });
});
