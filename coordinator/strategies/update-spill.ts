import type { RandomBytes } from '../../shared/privacy/index.js';

/**
 * Append-only store, outside the heap, of equal-length float32 vectors: where a robust strategy's accumulator puts the
 * updates that no longer fit its memory budget. The strategy owns the spill it opened and disposes of it when the
 * round's aggregation ends (finished or abandoned). Calls are synchronous: a reduction reads blocks in a tight loop.
 */
export interface UpdateSpill {
  /** Floats per vector (every appended vector has this length). */
  readonly length: number;
  /**
   * Stores a copy of `values` (the caller keeps its buffer) and returns its slot: 0 for the first vector, then 1, 2, …
   * @throws {AggregationError} when `values.length` differs from `length`.
   */
  append(values: Float32Array): number;
  /** Copies values [start, start + out.length) of the vector in `slot` into `out`. */
  read(slot: number, start: number, out: Float32Array): void;
  /** Deletes every stored vector and releases the storage (a temporary file); safe to call more than once. */
  dispose(): void;
}

/** Opens an empty spill for vectors of `length` floats. Called only once an update exceeds the memory budget. */
export type OpenSpill = (length: number) => UpdateSpill;

/**
 * The capabilities a strategy gets from its composition root (the coordinator's main.ts, the lab's simulation), so
 * that the strategies themselves do no I/O.
 */
export interface StrategyDeps {
  /** Where robust strategies (median, trimmed mean, Krum) spill updates past their `memoryBudgetBytes`. */
  openSpill: OpenSpill;
  /** The byte source of differential privacy's Gaussian noise. @default secureRandomBytes (node:crypto) */
  randomBytes?: RandomBytes;
}
