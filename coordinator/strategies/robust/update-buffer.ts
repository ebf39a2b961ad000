import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { endianness, tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesToFloat32, float32ToBytes } from '../../../shared/codec/index.js';
import type { FitResult } from '../strategy.js';

interface Entry {
  clientId: string;
  numExamples: number;
  metrics: Readonly<Record<string, number>>;
  /** In memory, or undefined when spilled to the file at `offset` (bytes). */
  values?: Float32Array;
  offset: number;
}

const LITTLE_ENDIAN_HOST = endianness() === 'LE';

/**
 * Holds every update of a round for aggregation rules that need them all at once (median, trimmed mean, Krum):
 * one copy per client, in memory while the total stays within `memoryBudgetBytes`, then appended to a temporary file.
 * Readers take coordinate blocks (`read`), so a reduction needs only (clients × block) floats of working memory.
 */
export class UpdateBuffer {
  private readonly entries: Entry[] = [];
  private inMemoryBytes = 0;
  private spill: { dir: string; fd: number; size: number } | undefined;

  /** @param length parameters per update; @param memoryBudgetBytes bytes of updates kept in memory. */
  constructor(
    readonly length: number,
    private readonly memoryBudgetBytes: number,
    private readonly spillRoot = tmpdir(),
  ) {}

  get count(): number {
    return this.entries.length;
  }

  /** Updates written to disk because the memory budget was full. */
  get spilledCount(): number {
    return this.entries.filter((e) => !e.values).length;
  }

  /** Keeps the update (its buffer is handed over, not copied, when it stays in memory). */
  add(u: FitResult): void {
    const bytes = u.weights.values.byteLength;
    const entry: Entry = { clientId: u.clientId, numExamples: u.numExamples, metrics: u.metrics, offset: 0 };
    if (this.inMemoryBytes + bytes <= this.memoryBudgetBytes) {
      entry.values = u.weights.values;
      this.inMemoryBytes += bytes;
    } else {
      this.spill ??= this.openSpill();
      entry.offset = this.spill.size;
      writeSync(this.spill.fd, float32ToBytes(u.weights.values));
      this.spill.size += bytes;
    }
    this.entries.push(entry);
  }

  /** Client id, examples and metrics of update i. */
  meta(i: number): Pick<Entry, 'clientId' | 'numExamples' | 'metrics'> {
    return this.entries[i]!;
  }

  /** Copies values [start, start + out.length) of update i into `out`. */
  read(i: number, start: number, out: Float32Array): void {
    const e = this.entries[i]!;
    if (e.values) {
      out.set(e.values.subarray(start, start + out.length));
      return;
    }
    const target = LITTLE_ENDIAN_HOST
      ? new Uint8Array(out.buffer, out.byteOffset, out.byteLength)
      : new Uint8Array(out.byteLength);
    readSync(this.spill!.fd, target, 0, target.byteLength, e.offset + start * 4);
    if (!LITTLE_ENDIAN_HOST) out.set(bytesToFloat32(target));
  }

  /**
   * Calls `fn` for consecutive blocks of at most `blockSize` coordinates with one column per update
   * (columns[k][j] = value start + j of update k). The column arrays are reused between calls.
   */
  forEachBlock(blockSize: number, fn: (start: number, columns: Float32Array[]) => void): void {
    const cols = this.entries.map(() => new Float32Array(blockSize));
    for (let start = 0; start < this.length; start += blockSize) {
      const len = Math.min(blockSize, this.length - start);
      const view = cols.map((c) => (len === blockSize ? c : c.subarray(0, len)));
      view.forEach((c, k) => this.read(k, start, c));
      fn(start, view);
    }
  }

  /** Drops all updates and deletes the spill file. */
  dispose(): void {
    this.entries.length = 0;
    this.inMemoryBytes = 0;
    if (this.spill) {
      closeSync(this.spill.fd);
      rmSync(this.spill.dir, { recursive: true, force: true });
      this.spill = undefined;
    }
  }

  private openSpill(): { dir: string; fd: number; size: number } {
    const dir = mkdtempSync(join(this.spillRoot, 'fedsift-updates-'));
    return { dir, fd: openSync(join(dir, 'updates.f32'), 'w+'), size: 0 };
  }
}
