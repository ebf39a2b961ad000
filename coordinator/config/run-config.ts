import { z } from 'zod';
import { parseCodecSpec } from '../../shared/codec/index.js';
import { parseModelRef } from '../../shared/models/index.js';
import { dataSourceSchema, parseJson, parseWith, weightingSchema } from '../../shared/config/index.js';
import { dataSchemaSchema, type DataSchema } from '../../shared/tabular/index.js';
import { differentialPrivacySchema, privacyRunIssues, resolvePrivacy } from '../privacy/index.js';
import { asyncRunIssues, asyncSchema } from '../fedbuff/index.js';
import { secAggRunIssues, secureAggregationSchema } from '../secagg/index.js';
import { hierarchicalRunIssues } from './hierarchical-issues.js';
import {
  isRobustStrategy,
  strategyOptionsSchema,
  strategyRunIssues,
  weighsEffectiveExamples,
} from '../strategies/index.js';

/**
 * A training run's configuration, given to `StartRun` / `fedsift run start`. Unknown keys are errors. Defaults are the
 * demo's: 20 rounds of FedAvg over 10 clients training the CNN.
 */
const runConfigObject = z
  .object({
    /** Free-form label shown in status output. */
    name: z.string().max(200).default(''),
    /**
     * `sync`: rounds (select, wait for every selected client or the deadline, aggregate). `async`: buffered
     * asynchronous aggregation (FedBuff, settings in `async`): free clients train from the latest version, every
     * `async.bufferSize` updates make a new version, and `rounds` counts versions. @default "sync"
     */
    mode: z.enum(['sync', 'async']).default('sync'),
    /** FedBuff's settings, read in `mode: "async"` (README "Asynchronous runs"). @default all defaults */
    async: asyncSchema.default(asyncSchema.parse({})),
    /**
     * Aggregators may join as participants, each standing for its sub-fleet (`fedsift aggregator`, README
     * "Hierarchical aggregation"); not with robust strategies, secureAggregation, mode async or central DP.
     * @default false
     */
    hierarchical: z.boolean().default(false),
    /** Number of rounds (versions in an async run). @default 20 */
    rounds: z.number().int().min(1).max(100_000).default(20),
    /** Clients selected per round (all available ones when fewer are connected). @default 10 */
    clientsPerRound: z.number().int().min(1).default(10),
    /** Quorum: accepted updates needed to aggregate a round. @default 2 */
    minClients: z.number().int().min(1).default(2),
    /** Live clients needed before a round selects its clients (Flower: min_available_clients). @default minClients */
    minAvailableClients: z.number().int().min(1).optional(),
    /** A round closes this long after it was announced, with the updates it has (ms). @default 60000 */
    roundDeadlineMs: z.number().int().min(100).max(2_147_483_647).default(60_000), // a timer's longest delay
    /**
     * A deadline that follows the sites' observed speed (stragglers; flwrlabs/flower#3234): a round's first attempt
     * closes `factor` × the time the previous round's slowest accepted update took (from its attempt's announcement),
     * at least `minMs`, at most roundDeadlineMs; later attempts of a round, and round 1, get roundDeadlineMs. null =
     * every attempt gets roundDeadlineMs. @default null
     */
    adaptiveDeadline: z
      .object({
        /** Multiple of the previous round's slowest accepted update. @default 2 */
        factor: z.number().min(1).max(100).default(2),
        /** Shortest adaptive deadline (ms). @default 10000 */
        minMs: z.number().int().min(100).default(10_000),
      })
      .strict()
      .nullable()
      .default(null),
    /** How long the run waits for `minClients` connected clients before failing (ms). @default 120000 */
    waitForClientsMs: z.number().int().min(0).default(120_000),
    /** Attempts per round before the run fails when the quorum is not met. @default 3 */
    maxRoundAttempts: z.number().int().min(1).default(3),
    /** Local epochs per round on each client. @default 2 */
    localEpochs: z.number().int().min(1).max(1000).default(2),
    /** Local mini-batch size (samples). @default 32 */
    batchSize: z.number().int().min(1).max(65_536).default(32),
    /** Local optimiser learning rate (Adam). @default 0.003 */
    learningRate: z.number().positive().max(10).default(0.003),
    /**
     * The model (parseModelRef): a built-in (`mlp`, `cnn`: 784 inputs, 10 classes), `mlp:<h1>,<h2>,…` (a tabular MLP
     * whose input size and classes come from `schema`), or the path of a tfjs Layers model.json on the coordinator's
     * machine (the CLI makes a relative one absolute). @default "cnn"
     */
    model: z
      .string()
      .default('cnn')
      .superRefine((ref, ctx) => {
        const parsed = parseModelRef(ref);
        if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
      }),
    /**
     * The sites' data schema (README "Bring your own model and data"): feature columns, label classes, missing-value
     * policy; every site reads its table with it, and round 0 gathers the feature statistics it needs. null = plain
     * numeric data (MNIST, numeric CSV, IDX). @default null
     */
    schema: dataSchemaSchema.nullable().default(null),
    /**
     * The run's held-out test data for central evaluation, read on the coordinator's machine (with a schema: a CSV,
     * read with it). null = the coordinator's `testData`. @default null
     */
    testData: dataSourceSchema.nullable().default(null),
    /** Aggregation strategy and its hyper-parameters (README "Strategies"). @default {"name": "fedavg"} */
    strategy: strategyOptionsSchema.default({ name: 'fedavg', fractionEvaluate: 1 }),
    /** Per-sample weighting on the clients (README "Sample weighting"). @default all off */
    weighting: weightingSchema.default(weightingSchema.parse({})),
    /** Refuse an update whose L2 distance to the round's global model exceeds this (INVALID_ARGUMENT); null = no bound. @default null */
    maxUpdateNorm: z.number().positive().nullable().default(null),
    /**
     * How clients encode their updates (README "Update compression"): `none` (float32), `fp16`, `int8[:block]`
     * (blockwise absmax, 256 values per block by default), `topk:<fraction>` (the largest-magnitude share of the
     * update, with error feedback) or `topk:<fraction>+int8[:block]`. Every codec but none sends the update's delta
     * against the round's global model. @default "none"
     */
    updateCodec: z
      .string()
      .default('none')
      .superRefine((text, ctx) => {
        try {
          parseCodecSpec(text);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: (err as Error).message });
        }
      }),
    /**
     * Differential privacy (README "Differential privacy"). Central (default mode): every accepted update's distance
     * to the global model is clipped to a norm C (fixed `clippingNorm`, or `adaptiveClipping`), the clipped updates
     * are averaged with equal weights plus Gaussian noise of σ·C (`noiseMultiplier`); FedAvg, FedAvgM, FedProx and
     * FedOpt only. Local (`mode: "local"`): each client clips its delta to `clippingNorm` and adds N(0, σ²C²) itself.
     * ε(δ) is reported after every round; `targetEpsilon` ends the run before a round would exceed it.
     * null = no DP. @default null
     */
    differentialPrivacy: differentialPrivacySchema.nullable().default(null),
    /**
     * Secure aggregation (README "Secure aggregation"): SecAgg+ (Bell et al. 2020) with Flower's settings; the
     * coordinator learns only the weighted mean of each attempt's surviving updates. Not with robust strategies, an
     * updateCodec, maxUpdateNorm or central DP with adaptive clipping (central DP with a fixed clippingNorm works:
     * clients clip, the coordinator noises the unmasked mean). Every selection from min(minAvailableClients,
     * clientsPerRound) to clientsPerRound clients must run it. null = off. @default null
     */
    secureAggregation: secureAggregationSchema.nullable().default(null),
    /** How the global model is sent to clients: `none` (float32) or `fp16` (half the bytes). @default "none" */
    downloadCodec: z.enum(['none', 'fp16']).default('none'),
    /** Seed of every random choice of the run (initial weights, client selection). @default 0 */
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .default(0),
  })
  .strict();

/** Field names of a run config (for CLI flag mapping). */
export const RUN_CONFIG_KEYS: readonly string[] = Object.keys(runConfigObject.shape);

/** Run config schema with its cross-field rules and derived defaults. */
export const runConfigSchema = runConfigObject
  .superRefine((c, ctx) => {
    if (c.minClients > c.clientsPerRound) {
      ctx.addIssue({
        code: 'custom',
        path: ['minClients'],
        message: `must be ≤ clientsPerRound (${c.clientsPerRound})`,
      });
    }
    for (const issue of strategyRunIssues(c)) ctx.addIssue({ code: 'custom', ...issue });
    for (const issue of dataIssues(c)) ctx.addIssue({ code: 'custom', ...issue });
    const { name } = c.strategy;
    const strategy = {
      ...c.strategy,
      robust: isRobustStrategy(name),
      effectiveExamples: weighsEffectiveExamples(name),
    };
    for (const issue of privacyRunIssues({ ...c, strategy })) ctx.addIssue({ code: 'custom', ...issue });
    for (const issue of secAggRunIssues(c)) ctx.addIssue({ code: 'custom', ...issue });
    for (const issue of asyncRunIssues({ ...c, strategy })) ctx.addIssue({ code: 'custom', ...issue });
    for (const issue of hierarchicalRunIssues({ ...c, strategy })) ctx.addIssue({ code: 'custom', ...issue });
    if (c.minAvailableClients !== undefined && c.minAvailableClients < c.minClients) {
      ctx.addIssue({
        code: 'custom',
        path: ['minAvailableClients'],
        message: `must be ≥ minClients (${c.minClients})`,
      });
    }
  })
  .transform((c) => ({
    ...c,
    minAvailableClients: c.minAvailableClients ?? c.minClients,
    differentialPrivacy: resolvePrivacy(c.differentialPrivacy, c.clientsPerRound),
  }));

/** The cross-field rules of `model`, `schema` and `testData`, each issue with the field it names. */
function dataIssues(c: {
  model: string;
  schema: DataSchema | null;
  testData: z.output<typeof dataSourceSchema> | null;
}): { path: string[]; message: string }[] {
  const ref = parseModelRef(c.model);
  const issues: { path: string[]; message: string }[] = [];
  if (!c.schema && typeof ref === 'object' && ref.kind === 'mlp') {
    const message = `${c.model} takes its input size and classes from the data schema: give "schema" (fedsift run start --schema FILE)`;
    issues.push({ path: ['model'], message });
  }
  if (c.schema && c.testData && c.testData.kind !== 'csv') {
    const message = `a run with a data schema evaluates on a CSV table read with it, not ${c.testData.kind} data`;
    issues.push({ path: ['testData'], message });
  }
  return issues;
}

/** A validated, frozen run config. */
export type RunConfig = Readonly<z.output<typeof runConfigSchema>>;

/** Validates a run config object (defaults applied). @throws {ConfigError} naming every bad field. */
export function parseRunConfig(input: unknown): RunConfig {
  return parseWith(runConfigSchema, input, 'run config');
}

/** Parses and validates a run config from JSON text. @throws {ConfigError} */
export function parseRunConfigJson(text: string): RunConfig {
  return parseRunConfig(parseJson(text, 'run config'));
}
