import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { endianness, tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesToFloat32, float32ToBytes } from '../../shared/codec/index.js';
import { AggregationError } from '../../shared/errors/index.js';
import type { OpenSpill, UpdateSpill } from '../strategies/index.js';

const LITTLE_ENDIAN_HOST = endianness() === 'LE';

/** Prefix of the temporary directories FileSpill creates (one per spill, holding `updates.f32`). */
export const SPILL_DIR_PREFIX = 'fedsift-updates-';

/**
 * An UpdateSpill in a temporary file: `<root>/fedsift-updates-XXXXXX/updates.f32`, vectors appended back to back as
 * little-endian float32 (4·length bytes each). Created when constructed, deleted with its directory by `dispose`.
 * Synchronous I/O, because the reductions that read it block by block are synchronous.
 */
export class FileSpill implements UpdateSpill {
  private readonly dir: string;
  private fd: number | undefined;
  private slots = 0;

  /**
   * @param length floats per vector.
   * @param root directory the temporary directory is made in. @default the OS temp dir
   */
  constructor(
    readonly length: number,
    root: string = tmpdir(),
  ) {
    this.dir = mkdtempSync(join(root, SPILL_DIR_PREFIX));
    this.fd = openSync(join(this.dir, 'updates.f32'), 'w+');
  }

  /** Number of vectors appended. */
  get count(): number {
    return this.slots;
  }

  append(values: Float32Array): number {
    if (values.length !== this.length)
      throw new AggregationError(`spill: ${values.length} values, expected ${this.length}`);
    const fd = this.openFd();
    const bytes = float32ToBytes(values);
    const position = this.slots * this.length * 4;
    // A single write() moves at most ~2 GiB on Linux: loop until every byte is in the file.
    for (let done = 0; done < bytes.byteLength;)
      done += writeSync(fd, bytes, done, bytes.byteLength - done, position + done);
    return this.slots++;
  }

  read(slot: number, start: number, out: Float32Array): void {
    const target = LITTLE_ENDIAN_HOST
      ? new Uint8Array(out.buffer, out.byteOffset, out.byteLength)
      : new Uint8Array(out.byteLength);
    const fd = this.openFd();
    const position = (slot * this.length + start) * 4;
    for (let done = 0; done < target.byteLength;) {
      const n = readSync(fd, target, done, target.byteLength - done, position + done);
      if (n === 0) throw new AggregationError(`spill: slot ${slot} has no values at ${start + done / 4}`);
      done += n;
    }
    if (!LITTLE_ENDIAN_HOST) out.set(bytesToFloat32(target));
  }

  dispose(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
    rmSync(this.dir, { recursive: true, force: true });
  }

  private openFd(): number {
    if (this.fd === undefined) throw new AggregationError('spill: used after dispose');
    return this.fd;
  }
}

/** Opens a FileSpill in the OS temp dir: what the composition roots give strategies as `openSpill`. */
export const openFileSpill: OpenSpill = (length) => new FileSpill(length);
