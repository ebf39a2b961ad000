import { z } from 'zod';
import { InternalError } from '../../shared/errors/index.js';
import type { RunIssue, RunShape, StrategyDefinition } from './define-strategy.js';
import { fedavg } from './fedavg.js';
import { fedavgEffective } from './fedavg-effective.js';
import { fedavgm } from './fedavgm.js';
import { fedadagrad, fedadam, fedyogi } from './fedopt.js';
import { fedprox } from './fedprox.js';
import { fedmedian } from './robust/fedmedian.js';
import { fedtrimmedavg } from './robust/fedtrimmedavg.js';
import { krum } from './robust/krum.js';
import type { Strategy, StrategySettings } from './strategy.js';
import type { StrategyDeps } from './update-spill.js';

/**
 * Every strategy fedsift offers, by definition (name, options schema, factory). The only list: the run config's
 * strategy schema, `createStrategy` and the strategy tests are derived from it, so adding a strategy is its file plus
 * one line here.
 */
export const STRATEGIES = [
  fedavg,
  fedavgm,
  fedprox,
  fedadagrad,
  fedadam,
  fedyogi,
  fedmedian,
  fedtrimmedavg,
  krum,
  fedavgEffective,
] as const;

/** Registry key of a strategy: "fedavg" | "fedavgm" | "fedprox" | … */
export type StrategyName = (typeof STRATEGIES)[number]['name'];

/** The options schemas of a tuple of definitions, as a tuple (what z.discriminatedUnion needs). */
type OptionsSchemas<T extends readonly StrategyDefinition<string, z.core.$ZodShape>[]> = {
  -readonly [K in keyof T]: T[K]['options'];
};

/**
 * A run's strategy and its hyper-parameters, chosen by `name` among STRATEGIES. A bare string (`"fedmedian"`) means
 * that strategy with its defaults. Unknown names and unknown keys fail.
 */
export const strategyOptionsSchema = z.preprocess(
  (v) => (typeof v === 'string' ? { name: v } : v),
  z.discriminatedUnion('name', STRATEGIES.map((d) => d.options) as unknown as OptionsSchemas<typeof STRATEGIES>),
);

/** Validated options of any strategy (a discriminated union on `name`). */
export type StrategyOptions = z.output<typeof strategyOptionsSchema>;

/** What createStrategy reads of a run config: the run settings and the validated strategy options. */
export interface StrategyConfig extends StrategySettings {
  readonly strategy: StrategyOptions;
}

const BY_NAME: ReadonlyMap<string, StrategyDefinition<string, z.core.$ZodShape>> = new Map(
  STRATEGIES.map((d) => [d.name, d as StrategyDefinition<string, z.core.$ZodShape>]),
);

/**
 * Builds the strategy a validated run config names, with its hyper-parameters.
 * @param config a run config (strategy options validated by strategyOptionsSchema).
 * @param deps the I/O the strategy may use, given by the composition root.
 * @throws {InternalError} when `config.strategy.name` is in no definition (it cannot be once the config was validated).
 */
export function createStrategy(config: StrategyConfig, deps: StrategyDeps): Strategy {
  return definitionOf(config.strategy.name).create(config, config.strategy, deps);
}

/**
 * The run config's problems that involve its strategy's options (the chosen strategy's checkRun), for the run
 * config schema to report with the field errors. @throws {InternalError} as createStrategy.
 */
export function strategyRunIssues(run: RunShape & { strategy: StrategyOptions }): RunIssue[] {
  return definitionOf(run.strategy.name).checkRun(run, run.strategy);
}

/**
 * Whether the strategy named `name` is a robust rule that needs every single update (StrategyDefinition.robust):
 * central DP and secure aggregation refuse those. False for a name in no definition.
 */
export function isRobustStrategy(name: string): boolean {
  return BY_NAME.get(name)?.robust ?? false;
}

/**
 * Whether the strategy named `name` weighs clients by their effective sample count (StrategyDefinition
 * .effectiveExamples): SecAgg+ sites then weigh their masked update so, and central DP refuses it. False for a name in
 * no definition.
 */
export function weighsEffectiveExamples(name: string): boolean {
  return BY_NAME.get(name)?.effectiveExamples ?? false;
}

/** @throws {InternalError} when no definition has that name (it cannot once the config was validated). */
function definitionOf(name: string): StrategyDefinition<string, z.core.$ZodShape> {
  const definition = BY_NAME.get(name);
  if (!definition) throw new InternalError(`no strategy named "${name}"`);
  return definition;
}
