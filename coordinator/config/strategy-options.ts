import { z } from 'zod';

const fraction = z.number().gt(0).max(1);

/** FedAvg (McMahan et al. 2017). `fractionEvaluate`: share of the round's clients asked to report an evaluation. */
const fedavg = z.object({ name: z.literal('fedavg'), fractionEvaluate: fraction.default(1) }).strict();

/** FedAvgM (Hsu et al. 2019): server momentum on the averaged pseudo-gradient. */
const fedavgm = z
  .object({
    name: z.literal('fedavgm'),
    fractionEvaluate: fraction.default(1),
    /** Server learning rate η. @default 1 */
    serverLearningRate: z.number().positive().default(1),
    /** Server momentum β. @default 0.9 */
    serverMomentum: z.number().min(0).lt(1).default(0.9),
  })
  .strict();

/** FedProx (Li et al. 2020): clients add (μ/2)·‖w − w_global‖² to their loss. */
const fedprox = z
  .object({
    name: z.literal('fedprox'),
    fractionEvaluate: fraction.default(1),
    /** Proximal term weight μ. @default 0.01 */
    proximalMu: z.number().min(0).default(0.01),
  })
  .strict();

/** Adaptive server optimisers (Reddi et al. 2021); defaults follow Flower's. */
const fedopt = <N extends 'fedadagrad' | 'fedadam' | 'fedyogi'>(name: N, eta: number, tau: number) =>
  z
    .object({
      name: z.literal(name),
      fractionEvaluate: fraction.default(1),
      /** Server learning rate η. */
      serverLearningRate: z.number().positive().default(eta),
      /** First-moment decay β₁ (0 for FedAdagrad in Flower). */
      beta1: z
        .number()
        .min(0)
        .lt(1)
        .default(name === 'fedadagrad' ? 0 : 0.9),
      /** Second-moment decay β₂ (unused by FedAdagrad). */
      beta2: z.number().min(0).lt(1).default(0.99),
      /** Adaptivity τ added to √v. */
      tau: z.number().positive().default(tau),
    })
    .strict();

/** How robust strategies keep every update of a round: in memory up to the budget, then in temporary files. */
const buffering = {
  /** Bytes of updates kept in memory before spilling to disk. @default 512 MiB */
  memoryBudgetBytes: z
    .number()
    .int()
    .min(0)
    .default(512 * 1024 * 1024),
};

/** Coordinate-wise median (Yin et al. 2018). */
const fedmedian = z
  .object({ name: z.literal('fedmedian'), fractionEvaluate: fraction.default(1), ...buffering })
  .strict();

/** Coordinate-wise trimmed mean (Yin et al. 2018): drop the `beta` share of values at each end. */
const fedtrimmedavg = z
  .object({
    name: z.literal('fedtrimmedavg'),
    fractionEvaluate: fraction.default(1),
    beta: z.number().min(0).lt(0.5).default(0.2),
    ...buffering,
  })
  .strict();

/** Krum / Multi-Krum (Blanchard et al. 2017). `numSelected` = 1 is Krum, more is Multi-Krum. */
const krum = z
  .object({
    name: z.literal('krum'),
    fractionEvaluate: fraction.default(1),
    /** f: Byzantine clients tolerated. @default 1 */
    numMalicious: z.number().int().min(0).default(1),
    /** m: updates averaged after scoring (1 = Krum). @default 1 */
    numSelected: z.number().int().min(1).default(1),
    ...buffering,
  })
  .strict();

/** FedAvg weighted by each client's effective sample count Σw (its `effective_examples` metric) instead of its raw count. */
const fedavgEffective = z
  .object({ name: z.literal('fedavg-effective'), fractionEvaluate: fraction.default(1) })
  .strict();

const STRATEGY_SCHEMAS = [
  fedavg,
  fedavgm,
  fedprox,
  fedopt('fedadagrad', 0.1, 1e-9),
  fedopt('fedadam', 0.1, 1e-9),
  fedopt('fedyogi', 0.01, 1e-3),
  fedmedian,
  fedtrimmedavg,
  krum,
  fedavgEffective,
] as const;

/**
 * A run's strategy and its hyper-parameters, chosen by `name`. A bare string (`"fedmedian"`) means that strategy with
 * its defaults.
 */
export const strategyOptionsSchema = z.preprocess(
  (v) => (typeof v === 'string' ? { name: v } : v),
  z.discriminatedUnion('name', STRATEGY_SCHEMAS),
);
export type StrategyOptions = z.output<typeof strategyOptionsSchema>;
/** Options of one strategy, by name. */
export type StrategyOptionsOf<N extends StrategyOptions['name']> = Extract<StrategyOptions, { name: N }>;
