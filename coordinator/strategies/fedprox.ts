import type { RunConfig, StrategyOptionsOf } from '../config/index.js';
import { FedAvg } from './fedavg.js';
import type { FitConfig } from './strategy.js';

/**
 * FedProx: FedAvg aggregation; each client minimises F_k(w) + (μ/2)·‖w − w_t‖² locally, which keeps local models near
 * the global one under heterogeneous data. The proximal term is applied in the client's training step; the server
 * only sends μ.
 * @see Li et al. 2020, "Federated Optimization in Heterogeneous Networks", Eq. 2 (local objective h_k).
 */
export class FedProx extends FedAvg {
  override readonly name = 'fedprox';

  constructor(
    config: RunConfig,
    private readonly options: StrategyOptionsOf<'fedprox'>,
  ) {
    super(config);
  }

  protected override fitConfig(round: number): FitConfig {
    return { ...super.fitConfig(round), proximalMu: this.options.proximalMu };
  }
}
