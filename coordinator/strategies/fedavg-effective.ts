import { CLIENT_METRICS } from '../../shared/contract/index.js';
import { defineStrategy } from './define-strategy.js';
import { FedAvg, fedAvgOptions } from './fedavg.js';
import type { FitResult } from './strategy.js';

/**
 * Data-centric FedAvg: weights each client by its effective sample count Σᵢ wᵢ — the mass of samples its data-centric
 * weighting kept (noisy labels down-weighted, curriculum not yet admitted) — instead of its raw count n_k:
 * w_{t+1} = Σ_k (s_k / s)·w^k, s_k = Σᵢ w_{k,i}. A client that reports no `effective_examples` counts with n_k.
 * A site whose samples are mostly flagged as label issues thus moves the global model less.
 * @see McMahan et al. 2017, Alg. 1, with n_k replaced by the effective sample size.
 */
export class FedAvgEffective extends FedAvg {
  override readonly name = 'fedavg-effective';

  protected override weightOf(update: FitResult): number {
    const eff = update.metrics[CLIENT_METRICS.effectiveExamples];
    return eff !== undefined && Number.isFinite(eff) && eff >= 0
      ? Math.min(eff, update.numExamples)
      : update.numExamples;
  }
}

/**
 * Data-centric FedAvg in the registry: FedAvg weighted by each client's effective sample count Σw (its
 * `effective_examples` metric) instead of its raw count.
 */
export const fedavgEffective = defineStrategy({
  name: 'fedavg-effective',
  options: { ...fedAvgOptions },
  create: (settings, options) => new FedAvgEffective(settings, options),
  effectiveExamples: true,
});
