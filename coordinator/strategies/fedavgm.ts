import type { ModelWeights } from '../../shared/codec/index.js';
import type { RunConfig, StrategyOptionsOf } from '../config/index.js';
import { FedAvg } from './fedavg.js';

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
    config: RunConfig,
    private readonly options: StrategyOptionsOf<'fedavgm'>,
  ) {
    super(config);
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
