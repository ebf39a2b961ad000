import { AggregationError } from '../../../shared/errors/index.js';
import type { FitResult } from '../strategy.js';
import { denseValues } from '../aggregate.js';
import type { OpenSpill, UpdateSpill } from '../update-spill.js';

interface Entry {
  clientId: string;
  numExamples: number;
  metrics: Readonly<Record<string, number>>;
  /** In memory, or undefined when spilled. */
  values?: Float32Array;
  /** Slot in the spill when spilled. */
  slot: number;
}

/**
 * Holds every update of a round for aggregation rules that need them all at once (median, trimmed mean, Krum):
 * one copy per client, in memory while the total stays within `memoryBudgetBytes`, then appended to a spill opened
 * with `openSpill` (a temporary file in the coordinator). Readers take coordinate blocks (`read`, `forEachBlock`), so a
 * reduction needs only (clients × block) floats of working memory.
 */
export class UpdateBuffer {
  private readonly entries: Entry[] = [];
  private inMemoryBytes = 0;
  private spill: UpdateSpill | undefined;

  /**
   * @param length parameters per update.
   * @param memoryBudgetBytes bytes of updates kept in memory.
   * @param openSpill opens the spill, once the first update past the budget arrives.
   */
  constructor(
    readonly length: number,
    private readonly memoryBudgetBytes: number,
    private readonly openSpill: OpenSpill,
  ) {}

  get count(): number {
    return this.entries.length;
  }

  /**
   * Keeps the update (a dense update's buffer is handed over, not copied, when it stays in memory).
   * @param round for the error's context.
   * @throws {AggregationError} when the update's length is not `length` (nothing is kept).
   */
  add(u: FitResult, round?: number): void {
    const values = denseValues(u.weights.values); // a compressed update is decoded here: robust rules read every value
    const n = values.length;
    if (n !== this.length)
      throw new AggregationError(`client ${u.clientId}: ${n} values, expected ${this.length}`, {
        clientId: u.clientId,
        round,
      });
    const bytes = values.byteLength;
    const entry: Entry = { clientId: u.clientId, numExamples: u.numExamples, metrics: u.metrics, slot: -1 };
    if (this.inMemoryBytes + bytes <= this.memoryBudgetBytes) {
      entry.values = values;
      this.inMemoryBytes += bytes;
    } else {
      this.spill ??= this.openSpill(this.length);
      entry.slot = this.spill.append(values);
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
    if (e.values) out.set(e.values.subarray(start, start + out.length));
    else this.spill!.read(e.slot, start, out);
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

  /** Drops all updates and disposes of the spill. */
  dispose(): void {
    this.entries.length = 0;
    this.inMemoryBytes = 0;
    this.spill?.dispose();
    this.spill = undefined;
  }
}
