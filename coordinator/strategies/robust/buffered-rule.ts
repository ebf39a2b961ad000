import type { ModelWeights } from '../../../shared/codec/index.js';
import { FedAvg, type FedAvgOptions } from '../fedavg.js';
import type { FitAccumulator, StrategySettings } from '../strategy.js';
import type { OpenSpill } from '../update-spill.js';
import { BufferedAccumulator, type Reduction } from './buffered-accumulator.js';
import type { UpdateBuffer } from './update-buffer.js';

/**
 * A robust rule: FedAvg's selection and evaluation, but aggregation that needs every update of the round at once.
 * Each round's updates go to a BufferedAccumulator (memory up to `memoryBudgetBytes`, then the spill); a subclass
 * says only how many updates it needs and how it reduces them.
 */
export abstract class BufferedRule<O extends FedAvgOptions & { memoryBudgetBytes: number }> extends FedAvg {
  /** @param options the rule's validated options (its definition's schema). */
  constructor(
    settings: StrategySettings,
    protected readonly options: O,
    private readonly openSpill: OpenSpill,
  ) {
    super(settings, options);
  }

  /** Fewest updates the rule can aggregate (fewer: AggregationError at the round's close). */
  protected abstract get minUpdates(): number;

  /** Combines the round's buffered updates (K updates of the global model's length) into the new global vector. */
  protected abstract reduce(buffer: UpdateBuffer): Reduction;

  override beginAggregation(round: number, global: ModelWeights): FitAccumulator {
    return new BufferedAccumulator({
      round,
      global,
      memoryBudgetBytes: this.options.memoryBudgetBytes,
      openSpill: this.openSpill,
      minUpdates: this.minUpdates,
      reduce: (b) => this.reduce(b),
    });
  }
}
