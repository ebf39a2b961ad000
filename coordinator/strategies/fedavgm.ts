import { z } from 'zod';
import type { ModelWeights } from '../../shared/codec/index.js';
import { defineStrategy, type OptionsOf } from './define-strategy.js';
import { FedAvg, fedAvgOptions } from './fedavg.js';
import type { Strategy, StrategySettings } from './strategy.js';
import type { StrategyDeps } from './update-spill.js';

/**
 * FedAvg with server momentum: Δ_t = avg_t − w_t, v_t = β·v_{t−1} + Δ_t, w_{t+1} = w_t + η·v_t. With η = 1 and β = 0
 * it is FedAvg. Memory: one momentum vector (4 bytes per parameter) kept across rounds.
 * @see Hsu, Qi & Brown 2019, "Measuring the Effects of Non-Identical Data Distribution for Federated Visual
 *      Classification", Sec. 4 (FedAvgM); Flower `FedAvgM`.
 */
export class FedAvgM extends FedAvg {
  override readonly name = 'fedavgm';
  private momentum: Float32Array | undefined;

  constructor(
    settings: StrategySettings,
    private readonly options: OptionsOf<typeof fedavgm>,
    deps?: StrategyDeps,
  ) {
    super(settings, options, deps);
  }

  override serverState(): Record<string, Float32Array> {
    return this.momentum ? { momentum: this.momentum } : {};
  }

  override restoreServerState(state: Record<string, Float32Array>): void {
    this.momentum = state.momentum;
  }

  protected override serverUpdate(global: ModelWeights, mean: Float32Array): Float32Array {
    const { serverLearningRate: eta, serverMomentum: beta } = this.options;
    const v = (this.momentum ??= new Float32Array(mean.length));
    const w = global.values;
    const out = mean; // in place: element i of the mean is read before it is overwritten
    for (let i = 0; i < out.length; i++) {
      v[i] = beta * v[i]! + (mean[i]! - w[i]!);
      out[i] = w[i]! + eta * v[i]!;
    }
    return out;
  }
}

/** FedAvgM (Hsu et al. 2019) in the registry: server momentum on the averaged pseudo-gradient. */
export const fedavgm = defineStrategy({
  name: 'fedavgm',
  options: {
    ...fedAvgOptions,
    /** Server learning rate η. @default 1 */
    serverLearningRate: z.number().positive().default(1),
    /** Server momentum β. @default 0.9 */
    serverMomentum: z.number().min(0).lt(1).default(0.9),
  },
  create: (settings, options, deps): Strategy => new FedAvgM(settings, options, deps),
});
