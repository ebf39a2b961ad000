import type { ModelWeights } from '../../../shared/codec/index.js';
import { coordinateMedian } from '../aggregate.js';
import { defineStrategy, type OptionsOf } from '../define-strategy.js';
import { FedAvg, fedAvgOptions } from '../fedavg.js';
import type { FitAccumulator, Strategy, StrategySettings } from '../strategy.js';
import type { OpenSpill } from '../update-spill.js';
import { allIndices, BufferedAccumulator, bufferingOptions, reduceByBlock } from './buffered-accumulator.js';

/**
 * Coordinate-wise median: every parameter of the new global model is the median of that parameter over the round's
 * updates (unweighted). Tolerates fewer than half of the updates being arbitrary. Needs every update at once: it keeps
 * one copy per client (memory up to `memoryBudgetBytes`, then the spill) and reduces in blocks of coordinates.
 * @see Yin et al. 2018, "Byzantine-Robust Distributed Learning: Towards Optimal Statistical Rates", Def. 1 (median);
 *      Flower `FedMedian`.
 */
export class FedMedian extends FedAvg {
  override readonly name = 'fedmedian';

  constructor(
    settings: StrategySettings,
    private readonly options: OptionsOf<typeof fedmedian>,
    private readonly openSpill: OpenSpill,
  ) {
    super(settings, options);
  }

  override beginAggregation(round: number, global: ModelWeights): FitAccumulator {
    const { memoryBudgetBytes } = this.options;
    return new BufferedAccumulator({
      round,
      global,
      memoryBudgetBytes,
      openSpill: this.openSpill,
      minUpdates: 1,
      reduce: (b) => ({
        values: reduceByBlock(b, (cols, out) => coordinateMedian(cols, out)),
        used: allIndices(b.count),
      }),
    });
  }
}

/** Coordinate-wise median (Yin et al. 2018) in the registry. */
export const fedmedian = defineStrategy({
  name: 'fedmedian',
  options: { ...fedAvgOptions, ...bufferingOptions },
  create: (settings, options, deps): Strategy => new FedMedian(settings, options, deps.openSpill),
});
