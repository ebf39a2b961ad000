import { z } from 'zod';
import { coordinateTrimmedMean } from '../aggregate.js';
import { defineStrategy, type OptionsOf } from '../define-strategy.js';
import { fedAvgOptions } from '../fedavg.js';
import type { Strategy } from '../strategy.js';
import { allIndices, bufferingOptions, reduceByBlock, type Reduction } from './buffered-accumulator.js';
import { BufferedRule } from './buffered-rule.js';
import type { UpdateBuffer } from './update-buffer.js';

/**
 * Coordinate-wise β-trimmed mean: for every parameter, drop the ⌊β·K⌋ largest and smallest of the K values and
 * average the rest (unweighted). Buffers every update like FedMedian.
 * @see Yin et al. 2018, Def. 2 (trimmed mean); Flower `FedTrimmedAvg`.
 */
export class FedTrimmedAvg extends BufferedRule<OptionsOf<typeof fedtrimmedavg>> {
  override readonly name = 'fedtrimmedavg';

  protected get minUpdates(): number {
    return 1;
  }

  protected reduce(b: UpdateBuffer): Reduction {
    const { beta } = this.options;
    return {
      values: reduceByBlock(b, (cols, out) => coordinateTrimmedMean(cols, beta, out)),
      used: allIndices(b.count),
    };
  }
}

/** Coordinate-wise trimmed mean (Yin et al. 2018) in the registry. */
export const fedtrimmedavg = defineStrategy({
  name: 'fedtrimmedavg',
  robust: true,
  options: {
    ...fedAvgOptions,
    /** β: share of the values dropped at each end of every coordinate, in [0, 0.5). @default 0.2 */
    beta: z.number().min(0).lt(0.5).default(0.2),
    ...bufferingOptions,
  },
  create: (settings, options, deps): Strategy => new FedTrimmedAvg(settings, options, deps.openSpill),
});
