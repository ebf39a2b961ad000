import { z } from 'zod';
import type { Strategy, StrategySettings } from './strategy.js';
import type { StrategyDeps } from './update-spill.js';

/** Strict zod schema of one strategy's options: `name` (the literal registry key N) and the fields of shape S. */
export type StrategyOptionsSchema<
  N extends string = string,
  S extends z.core.$ZodShape = z.core.$ZodShape,
> = z.ZodObject<{ [K in 'name' | keyof S]: K extends 'name' ? z.ZodLiteral<N> : S[K] }, z.core.$strict>;

/** Validated options of a strategy definition (defaults filled), e.g. `OptionsOf<typeof fedprox>`. */
export type OptionsOf<D extends { readonly options: z.ZodType }> = z.output<D['options']>;

/** A problem of a run config that only the strategy can see (e.g. Krum's quorum), with the path of the field. */
export interface RunIssue {
  path: (string | number)[];
  message: string;
}

/** The run settings a strategy's cross-field rules read. */
export interface RunShape {
  /** Quorum: accepted updates needed to aggregate a round. */
  minClients: number;
}

/**
 * One strategy as the registry knows it: its name, the schema of its options and its factory, declared together in
 * the strategy's file (as grpc-js registers a load balancer with its config parser). `STRATEGIES` in registry.ts lists
 * every definition; the run config's strategy schema and `createStrategy` are derived from that list.
 */
export interface StrategyDefinition<N extends string = string, S extends z.core.$ZodShape = z.core.$ZodShape> {
  /** Registry key, what a run config's `strategy` names, e.g. "fedprox". */
  readonly name: N;
  /** Strict schema of the options, `name` included; unknown keys fail, defaults are filled. */
  readonly options: StrategyOptionsSchema<N, S>;
  /**
   * Builds the strategy for one run (one instance per run: server optimiser state lives in it).
   * @param settings the run settings the strategy reads (a validated run config).
   * @param options the options, validated by `options`.
   * @param deps what the composition root lends the strategy (the update spill).
   */
  create(settings: StrategySettings, options: z.output<StrategyOptionsSchema<N, S>>, deps: StrategyDeps): Strategy;
  /** The run config's rules that involve this strategy's options (the run config schema reports them); none = []. */
  checkRun(run: RunShape, options: z.output<StrategyOptionsSchema<N, S>>): RunIssue[];
  /**
   * A robust rule (median, trimmed mean, Krum): it needs every single update, so central DP (which clips and noises
   * their mean) and secure aggregation (which shows only their sum) refuse it. @default false
   */
  readonly robust: boolean;
  /**
   * The strategy weighs each client by its effective sample count Σw (the `effective_examples` metric of per-sample
   * weighting) instead of its raw example count: under SecAgg+ the sites pick their weight so (they are told with
   * FitConfig.secure_aggregation.effective_examples), and central DP, which weighs every client alike, refuses it.
   * @default false
   */
  readonly effectiveExamples: boolean;
}

/**
 * Declares a strategy: `name`, the zod fields of its options (their docstrings and defaults are the documentation of
 * the config), `create`, and optionally `checkRun`, its rules across the run config (e.g. a quorum it needs). The options schema is `{ name: literal(name), ...options }`, strict. When the class types
 * its options as `OptionsOf<typeof definition>`, annotate `create`'s return type (`: Strategy`): TypeScript then infers
 * the definition's type without following the class back to the definition.
 * @example
 * export const fedprox = defineStrategy({
 *   name: 'fedprox',
 *   options: { ...fedAvgOptions, proximalMu: z.number().min(0).default(0.01) },
 *   create: (settings, options): Strategy => new FedProx(settings, options),
 * });
 */
export function defineStrategy<const N extends string, S extends z.core.$ZodShape & { name?: never }>(definition: {
  name: N;
  options: S;
  create: (settings: StrategySettings, options: z.output<StrategyOptionsSchema<N, S>>, deps: StrategyDeps) => Strategy;
  checkRun?: (run: RunShape, options: z.output<StrategyOptionsSchema<N, S>>) => RunIssue[];
  robust?: boolean;
  effectiveExamples?: boolean;
}): StrategyDefinition<N, S> {
  const { name, options, create, checkRun = () => [], robust = false, effectiveExamples = false } = definition;
  const schema = z.object({ name: z.literal(name), ...options }).strict() as unknown as StrategyOptionsSchema<N, S>;
  return { name, options: schema, create, checkRun, robust, effectiveExamples };
}
