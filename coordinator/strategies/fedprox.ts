import { z } from 'zod';
import { defineStrategy, type OptionsOf } from './define-strategy.js';
import { FedAvg, fedAvgOptions } from './fedavg.js';
import type { FitConfig, Strategy, StrategySettings } from './strategy.js';
import type { StrategyDeps } from './update-spill.js';

/**
 * FedProx: FedAvg aggregation; each client minimises F_k(w) + (μ/2)·‖w − w_t‖² locally, which keeps local models near
 * the global one under heterogeneous data. The proximal term is applied in the client's training step; the server
 * only sends μ.
 * @see Li et al. 2020, "Federated Optimization in Heterogeneous Networks", Eq. 2 (local objective h_k).
 */
export class FedProx extends FedAvg {
  override readonly name = 'fedprox';

  constructor(
    settings: StrategySettings,
    private readonly options: OptionsOf<typeof fedprox>,
    deps?: StrategyDeps,
  ) {
    super(settings, options, deps);
  }

  protected override fitConfig(round: number): FitConfig {
    return { ...super.fitConfig(round), proximalMu: this.options.proximalMu };
  }
}

/** FedProx (Li et al. 2020) in the registry: clients add (μ/2)·‖w − w_global‖² to their loss. */
export const fedprox = defineStrategy({
  name: 'fedprox',
  options: {
    ...fedAvgOptions,
    /** Proximal term weight μ. @default 0.01 */
    proximalMu: z.number().min(0).default(0.01),
  },
  create: (settings, options, deps): Strategy => new FedProx(settings, options, deps),
});
