import { z } from 'zod';
import type { ModelWeights } from '../../../shared/codec/index.js';
import { AggregationError } from '../../../shared/errors/index.js';
import { weightedMetricMeans } from '../aggregate.js';
import type { ClientFailure, FitAccumulator, FitAggregate, FitResult } from '../strategy.js';
import type { OpenSpill } from '../update-spill.js';
import { UpdateBuffer } from './update-buffer.js';

/** Option fields of the robust strategies: how they keep every update of a round (spread into their options). */
export const bufferingOptions = {
  /** Bytes of updates kept in memory before the rest spills to disk (a temporary file). @default 512 MiB */
  memoryBudgetBytes: z
    .number()
    .int()
    .min(0)
    .default(512 * 1024 * 1024),
};

/** Coordinates processed per block by robust reductions: 64 Ki floats per client column (256 KiB). */
export const BLOCK_SIZE = 64 * 1024;

/** The aggregated vector and which buffered updates it used (for example counts and metrics). */
export interface Reduction {
  values: Float32Array;
  /** Indices of the updates that entered the result. */
  used: number[];
}

/** What a BufferedAccumulator is built with. */
export interface BufferedAccumulatorOptions {
  round: number;
  global: ModelWeights;
  /** Bytes of updates kept in memory before spilling. */
  memoryBudgetBytes: number;
  /** Where updates past the budget go. */
  openSpill: OpenSpill;
  /** Fewest updates the rule can work with. */
  minUpdates: number;
  /** Combines the buffered updates into the new global vector. */
  reduce: (buffer: UpdateBuffer) => Reduction;
}

/**
 * Accumulator of robust rules: keeps every update in an UpdateBuffer (memory up to the budget, then the spill), and
 * reduces them once the round closes.
 */
export class BufferedAccumulator implements FitAccumulator {
  readonly keepsUpdates = true;
  private readonly buffer: UpdateBuffer;
  private readonly round: number;
  private readonly global: ModelWeights;
  private readonly minUpdates: number;
  private readonly reduce: (buffer: UpdateBuffer) => Reduction;

  constructor(o: BufferedAccumulatorOptions) {
    ({ round: this.round, global: this.global, minUpdates: this.minUpdates, reduce: this.reduce } = o);
    this.buffer = new UpdateBuffer(o.global.values.length, o.memoryBudgetBytes, o.openSpill);
  }

  get count(): number {
    return this.buffer.count;
  }

  /** Keeps the update. @throws {AggregationError} when its length differs from the global model's. */
  add(update: FitResult): void {
    this.buffer.add(update, this.round);
  }

  finish(_failures: readonly ClientFailure[]): FitAggregate {
    try {
      if (this.buffer.count < this.minUpdates) {
        throw new AggregationError(
          `round ${this.round}: ${this.buffer.count} updates, this rule needs at least ${this.minUpdates}`,
          { round: this.round },
        );
      }
      const { values, used } = this.reduce(this.buffer);
      const metas = used.map((i) => this.buffer.meta(i));
      return {
        weights: { specs: this.global.specs, values },
        numExamples: metas.reduce((s, m) => s + m.numExamples, 0),
        metrics: weightedMetricMeans(metas),
      };
    } finally {
      this.dispose();
    }
  }

  dispose(): void {
    this.buffer.dispose();
  }
}

/**
 * Applies a coordinate-wise reduction (coordinateMedian, coordinateTrimmedMean) block by block over the buffered
 * updates, so it needs (clients × BLOCK_SIZE) floats of working memory whatever the model size.
 * @param reduce writes the reduction of one block's columns into `out` (the block's slice of the result).
 */
export function reduceByBlock(
  buffer: UpdateBuffer,
  reduce: (columns: readonly Float32Array[], out: Float32Array) => void,
): Float32Array {
  const out = new Float32Array(buffer.length);
  buffer.forEachBlock(BLOCK_SIZE, (start, cols) => reduce(cols, out.subarray(start, start + cols[0]!.length)));
  return out;
}

/** Indices 0..n−1. */
export function allIndices(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
