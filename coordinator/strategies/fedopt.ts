import { z } from 'zod';
import type { ModelWeights } from '../../shared/codec/index.js';
import { defineStrategy, type OptionsOf } from './define-strategy.js';
import { FedAvg, fedAvgOptions } from './fedavg.js';
import type { Strategy, StrategySettings } from './strategy.js';
import type { StrategyDeps } from './update-spill.js';

/** Options of FedAdagrad, FedAdam or FedYogi (the same fields; `name` picks the second-moment rule). */
type FedOptOptions = OptionsOf<typeof fedadagrad> | OptionsOf<typeof fedadam> | OptionsOf<typeof fedyogi>;

/**
 * Adaptive federated optimisation: the server treats Δ_t = avg_t − w_t (example-weighted mean of the updates minus the
 * global model) as a pseudo-gradient and applies
 *   m_t = β₁·m_{t−1} + (1 − β₁)·Δ_t
 *   FedAdagrad: v_t = v_{t−1} + Δ_t²
 *   FedAdam:    v_t = β₂·v_{t−1} + (1 − β₂)·Δ_t²
 *   FedYogi:    v_t = v_{t−1} − (1 − β₂)·Δ_t²·sign(v_{t−1} − Δ_t²)
 *   w_{t+1} = w_t + η·m_t / (√v_t + τ)
 * with m, v starting at 0 (as Flower; the paper starts v at τ²). Memory: m and v, 8 bytes per parameter, across rounds.
 * The three share this class and differ only in the v_t rule and their defaults.
 * @see Reddi et al. 2021, "Adaptive Federated Optimization", Alg. 2; Flower `FedAdagrad`, `FedAdam`, `FedYogi`.
 */
export class FedOpt extends FedAvg {
  override readonly name: string;
  private m: Float32Array | undefined;
  private v: Float32Array | undefined;

  constructor(
    settings: StrategySettings,
    private readonly options: FedOptOptions,
    deps?: StrategyDeps,
  ) {
    super(settings, options, deps);
    this.name = options.name;
  }

  override serverState(): Record<string, Float32Array> {
    return this.m && this.v ? { m: this.m, v: this.v } : {};
  }

  override restoreServerState(state: Record<string, Float32Array>): void {
    this.m = state.m;
    this.v = state.v;
  }

  protected override serverUpdate(global: ModelWeights, mean: Float32Array): Float32Array {
    const { serverLearningRate: eta, beta1, beta2, tau, name } = this.options;
    const m = (this.m ??= new Float32Array(mean.length));
    const v = (this.v ??= new Float32Array(mean.length));
    const w = global.values;
    const out = mean; // in place: element i of the mean is read before it is overwritten
    for (let i = 0; i < out.length; i++) {
      const d = mean[i]! - w[i]!;
      const d2 = d * d;
      m[i] = beta1 * m[i]! + (1 - beta1) * d;
      if (name === 'fedadagrad') v[i] = v[i]! + d2;
      else if (name === 'fedadam') v[i] = beta2 * v[i]! + (1 - beta2) * d2;
      else v[i] = v[i]! - (1 - beta2) * d2 * Math.sign(v[i]! - d2);
      out[i] = w[i]! + (eta * m[i]!) / (Math.sqrt(v[i]!) + tau);
    }
    return out;
  }
}

/** Option fields of the three adaptive optimisers, with Flower's defaults (η, β₁ and τ differ between them). */
function fedOptOptions(defaults: { eta: number; beta1: number; tau: number }) {
  return {
    ...fedAvgOptions,
    /** Server learning rate η. @default 0.1 (FedYogi 0.01) */
    serverLearningRate: z.number().positive().default(defaults.eta),
    /** First-moment decay β₁. @default 0.9 (FedAdagrad 0, as Flower) */
    beta1: z.number().min(0).lt(1).default(defaults.beta1),
    /** Second-moment decay β₂ (unused by FedAdagrad). @default 0.99 */
    beta2: z.number().min(0).lt(1).default(0.99),
    /** Adaptivity τ added to √v. @default 1e-9 (FedYogi 1e-3) */
    tau: z.number().positive().default(defaults.tau),
  };
}

/** FedAdagrad (Reddi et al. 2021) in the registry: v_t = v_{t−1} + Δ_t². */
export const fedadagrad = defineStrategy({
  name: 'fedadagrad',
  options: fedOptOptions({ eta: 0.1, beta1: 0, tau: 1e-9 }),
  create: (settings, options, deps): Strategy => new FedOpt(settings, options, deps),
});

/** FedAdam (Reddi et al. 2021) in the registry: v_t = β₂·v_{t−1} + (1 − β₂)·Δ_t². */
export const fedadam = defineStrategy({
  name: 'fedadam',
  options: fedOptOptions({ eta: 0.1, beta1: 0.9, tau: 1e-9 }),
  create: (settings, options, deps): Strategy => new FedOpt(settings, options, deps),
});

/** FedYogi (Reddi et al. 2021) in the registry: v_t = v_{t−1} − (1 − β₂)·Δ_t²·sign(v_{t−1} − Δ_t²). */
export const fedyogi = defineStrategy({
  name: 'fedyogi',
  options: fedOptOptions({ eta: 0.01, beta1: 0.9, tau: 1e-3 }),
  create: (settings, options, deps): Strategy => new FedOpt(settings, options, deps),
});
