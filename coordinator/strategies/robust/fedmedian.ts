import { coordinateMedian } from '../aggregate.js';
import { defineStrategy, type OptionsOf } from '../define-strategy.js';
import { fedAvgOptions } from '../fedavg.js';
import type { Strategy } from '../strategy.js';
import { allIndices, bufferingOptions, reduceByBlock, type Reduction } from './buffered-accumulator.js';
import { BufferedRule } from './buffered-rule.js';
import type { UpdateBuffer } from './update-buffer.js';

/**
 * Coordinate-wise median: every parameter of the new global model is the median of that parameter over the round's
 * updates (unweighted). Tolerates fewer than half of the updates being arbitrary. Needs every update at once: it keeps
 * one copy per client (memory up to `memoryBudgetBytes`, then the spill) and reduces in blocks of coordinates.
 * @see Yin et al. 2018, "Byzantine-Robust Distributed Learning: Towards Optimal Statistical Rates", Def. 1 (median);
 *      Flower `FedMedian`.
 */
export class FedMedian extends BufferedRule<OptionsOf<typeof fedmedian>> {
  override readonly name = 'fedmedian';

  protected get minUpdates(): number {
    return 1;
  }

  protected reduce(b: UpdateBuffer): Reduction {
    return { values: reduceByBlock(b, (cols, out) => coordinateMedian(cols, out)), used: allIndices(b.count) };
  }
}

/** Coordinate-wise median (Yin et al. 2018) in the registry. */
export const fedmedian = defineStrategy({
  name: 'fedmedian',
  robust: true,
  options: { ...fedAvgOptions, ...bufferingOptions },
  create: (settings, options, deps): Strategy => new FedMedian(settings, options, deps.openSpill),
});
