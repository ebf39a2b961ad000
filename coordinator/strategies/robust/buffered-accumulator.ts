import type { ModelWeights } from '../../../shared/codec/index.js';
import { AggregationError } from '../../../shared/errors/index.js';
import { checkUpdateSpecs } from '../fedavg.js';
import type { ClientFailure, FitAccumulator, FitAggregate, FitResult } from '../strategy.js';
import { weightedMetricMeans } from '../weighted-mean.js';
import { UpdateBuffer } from './update-buffer.js';

/** Coordinates processed per block by robust reductions: 64 Ki floats per client column (256 KiB). */
export const BLOCK_SIZE = 64 * 1024;

/** The aggregated vector and which buffered updates it used (for example counts and metrics). */
export interface Reduction {
  values: Float32Array;
  /** Indices of the updates that entered the result. */
  used: number[];
}

/**
 * Accumulator of robust rules: keeps every update in an UpdateBuffer (memory up to the budget, then disk), and reduces
 * them once the round closes.
 */
export class BufferedAccumulator implements FitAccumulator {
  readonly keepsUpdates = true;
  private readonly buffer: UpdateBuffer;

  /**
   * @param minUpdates fewest updates the rule can work with.
   * @param reduce combines the buffered updates into the new global vector.
   */
  constructor(
    private readonly round: number,
    private readonly global: ModelWeights,
    memoryBudgetBytes: number,
    private readonly minUpdates: number,
    private readonly reduce: (buffer: UpdateBuffer) => Reduction,
  ) {
    this.buffer = new UpdateBuffer(global.values.length, memoryBudgetBytes);
  }

  get count(): number {
    return this.buffer.count;
  }

  add(update: FitResult): void {
    checkUpdateSpecs(this.global, update, this.round);
    this.buffer.add(update);
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

/** Indices 0..n−1. */
export function allIndices(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
