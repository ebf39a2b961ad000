import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { floatArg, intArg } from '../../shared/cli/index.js';
import { parseJson, readJsonFile, weightingEnabled } from '../../shared/config/index.js';
import { ConfigError } from '../../shared/errors/index.js';
import { createLogger } from '../../shared/logging/index.js';
import { BACKENDS, type BackendPreference } from '../../shared/tf/index.js';
import { formatRoundRow, roundTableHeader, stepOfMode } from '../operator/index.js';
import { NOISE_VARIANTS, parseNoisyClients, type NoisyClients } from '../lab/experiments/index.js';
import type { SimulationOptions, SimulationStart } from '../lab/simulation/index.js';
import { describeSlowClients, parseSlowClients, type SlowClients } from '../lab/federation/index.js';
import { dpFlagConfig } from '../privacy/index.js';
import { DP_FLAG_HELP, nonNegativeFloatArg, SLOW_CLIENTS_HELP } from './lab-args.js';

/** Defaults of the run config fields `fedsift simulate` sets when neither a flag nor --config does. */
const RUN_DEFAULTS = { rounds: 10, clientsPerRound: 10, model: 'mlp' };

/** `fedsift simulate`: many virtual clients in one process (research use), the real strategies and client code. */
export function simulateCommand(): Command {
  return new Command('simulate')
    .description(
      'simulate a federation in one process: N virtual clients on one tfjs backend, each with its own MNIST share; same strategies, weighting and local training as real runs',
    )
    .option('--clients <n>', 'virtual clients', intArg, 100)
    .option('--clients-per-round <n>', `clients selected per round (default ${RUN_DEFAULTS.clientsPerRound})`, intArg)
    .option('--min-clients <n>', 'quorum: updates needed to aggregate (default: --clients-per-round)', intArg)
    .option('--rounds <n>', `rounds (default ${RUN_DEFAULTS.rounds})`, intArg)
    .option('--model <name>', `model: mlp | cnn (default ${RUN_DEFAULTS.model})`)
    .option(
      '--strategy <name|json>',
      'strategy name (fedavg, fedprox, fedavgm, fedadam, fedmedian, krum, …) or a JSON object with its hyper-parameters',
    )
    .option(
      '--weighting <variant|json>',
      `sample weighting: a variant (${Object.keys(NOISE_VARIANTS).join(', ')}; also picks its strategy unless --strategy) or a JSON weighting object`,
    )
    .option('--local-epochs <n>', 'local epochs per round (default 2)', intArg)
    .option('--batch-size <n>', 'local batch size (default 32)', intArg)
    .option('--learning-rate <x>', 'local learning rate (default 0.003)', floatArg)
    .option('--seed <n>', 'seed of the run, the partition, subsamples, label noise and shuffles (default 0)', intArg)
    .option('--config <file>', 'run config JSON (flags override its fields)')
    .option(
      '--data <csv>',
      "train on this CSV's rows instead of the digits, read as `fedsift client --data` reads it: with the run config's schema (and its testData for evaluation), else numbers and a label column",
    )
    .addOption(
      new Option('--iid', 'IID partition of the training digits or --data rows (default: Dirichlet --alpha)').conflicts(
        'alpha',
      ),
    )
    .option(
      '--alpha <a>',
      'Dirichlet concentration of the label skew across clients (smaller = more skew)',
      floatArg,
      0.5,
    )
    .option(
      '--samples-per-client <n>',
      'at most this many digits (or --data rows) per client, a seeded subsample of its share (default: the whole share)',
      intArg,
    )
    .option('--label-noise <spec>', 'flip labels on --noisy-clients clients: symmetric:R or pair:R[:seed]')
    .option(
      '--noisy-clients <n|list>',
      'with --label-noise: a count n (clients 0…n−1) or comma-separated 0-based client indices like 1,3,5 or 7, (default: the first half)',
      parseNoisyClients,
    )
    .option('--slow-clients <K:Fx|list:Fx>', SLOW_CLIENTS_HELP, parseSlowClients)
    .option('--dp <sigma>', DP_FLAG_HELP, nonNegativeFloatArg)
    .addOption(new Option('--backend <name>', 'tfjs backend').choices(BACKENDS).default('auto'))
    .option('--report-dir <dir>', 'per-client label-issue reports of weighted rounds')
    .option('--out <file>', 'results: .csv (one row per round) or JSON')
    .action(async (o) => {
      const options = simulationOptionsFromFlags(o);
      checkOutputs(o.out as string | undefined, options.reportDir);
      const { simulate } = await import('../lab/simulation/index.js');
      const { writeSimulationResult } = await import('../lab/simulation/index.js');
      const logger = createLogger({ name: 'simulate', level: process.env.FEDSIFT_LOG_LEVEL ?? 'warn' });
      const result = await simulate(options, {
        logger,
        onStart: (s) => [startLine(s), roundTableHeader(stepOfMode(s.config.mode))].forEach((l) => console.log(l)),
        onRound: (r, total) => console.log(formatRoundRow(r, total)),
      });
      if (o.out) writeSimulationResult(o.out, result);
      const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
      console.log(
        `final test accuracy ${pct(result.finalTestAccuracy)} (initial ${pct(result.initial.accuracy)}, best ${pct(result.bestTestAccuracy)}) on the ${result.initial.numExamples.toLocaleString('en-US')} held-out ${result.data ? 'rows' : 'digits'} ` +
          `after ${result.rounds.length} ${stepOfMode(result.config.mode)}s (${result.wallSeconds.toFixed(1)} s, peak RSS ${(result.peakRssBytes / 2 ** 20).toFixed(0)} MiB)${o.out ? `; results in ${o.out}` : ''}`,
      );
    });
}

/**
 * Fails before round 1 when an output cannot be written — --out's folder (created if missing) or an --out that is a
 * folder, --report-dir (created if missing) — instead of after the whole run. @throws {ConfigError} naming the flag.
 */
function checkOutputs(out: string | undefined, reportDir: string | undefined): void {
  const targets: [string, string | undefined][] = [
    ['--out', out && dirname(resolve(out))],
    ['--report-dir', reportDir],
  ];
  for (const [flag, dir] of targets) {
    if (!dir) continue;
    try {
      mkdirSync(dir, { recursive: true });
      if (!statSync(dir).isDirectory()) throw new Error('not a directory');
      accessSync(dir, constants.W_OK);
    } catch (err) {
      throw new ConfigError(`${flag}: cannot write to ${dir}: ${(err as Error).message}`, { field: flag.slice(2) });
    }
  }
  if (out && existsSync(out) && statSync(out).isDirectory())
    throw new ConfigError(`--out: ${out} is a folder; give a .csv or .json file`, { field: 'out' });
}

/** "3 with noisy labels (clients 1, 4, 7)": the indices only while the list is short enough to read. */
function noisy(s: SimulationStart): string {
  const which = s.noisyClientIndices;
  return `${s.noisyClients} with noisy labels${which.length && which.length <= 12 ? ` (client${which.length > 1 ? 's' : ''} ${which.join(', ')})` : ''}`;
}

/** The header line: federation, run and backend. */
function startLine(s: SimulationStart): string {
  const { config: c, examplesPerClient: e } = s;
  const split = s.partition.kind === 'iid' ? 'IID' : `Dirichlet α=${s.partition.alpha}`;
  const weighting = weightingEnabled(c.weighting) ? `, sample weighting from round ${c.weighting.startRound}` : '';
  const slow = s.slowClients.length ? `, ${describeSlowClients(s.slowClients)}` : '';
  const dp = c.differentialPrivacy ? `, central DP σ=${c.differentialPrivacy.noiseMultiplier}` : '';
  const a = c.async;
  const run =
    c.mode === 'async'
      ? `(${a.maxConcurrency} training at once), ${c.rounds} versions of ${c.strategy.name}, asynchronous (bufferSize ${a.bufferSize}, maxStaleness ${a.maxStaleness}, staleness ${a.staleness})`
      : `(${c.clientsPerRound} per round), ${c.rounds} rounds of ${c.strategy.name}`;
  return (
    `fedsift simulate: ${s.clients} virtual clients ${run}${weighting}${dp}, model ${c.model}, ${split}, ` +
    `${e.min}–${e.max} ${s.data ? `rows of ${s.data}` : 'digits'} per client, ${noisy(s)}${slow}, tfjs backend ${s.backend}; ${s.initial ? `initial test accuracy ${(s.initial.accuracy * 100).toFixed(2)}%` : "initial test accuracy once round 0's feature statistics encode the test table"}`
  );
}

/**
 * Maps the parsed flags to SimulationOptions: --config, then RUN_DEFAULTS for fields it leaves out, then the flags;
 * a --weighting variant brings its weighting and (unless --strategy) its strategy; minClients defaults to
 * clientsPerRound (every virtual client answers). @throws {ConfigError} for a --weighting or --strategy that is neither a
 * known name nor JSON.
 */
function simulationOptionsFromFlags(o: Record<string, unknown>): SimulationOptions {
  const file = o.config ? readJsonFile(String(o.config), 'run config') : {};
  const variant =
    typeof o.weighting === 'string' && !o.weighting.trim().startsWith('{') ? NOISE_VARIANTS[o.weighting] : undefined;
  if (typeof o.weighting === 'string' && !variant && !o.weighting.trim().startsWith('{')) {
    throw new ConfigError(
      `--weighting "${o.weighting}": expected a variant (${Object.keys(NOISE_VARIANTS).join(', ')}) or a JSON object`,
      { field: 'weighting' },
    );
  }
  const flags = {
    rounds: o.rounds,
    clientsPerRound: o.clientsPerRound,
    minClients: o.minClients,
    model: o.model,
    localEpochs: o.localEpochs,
    batchSize: o.batchSize,
    learningRate: o.learningRate,
    seed: o.seed,
    strategy: o.strategy === undefined ? variant?.strategy : jsonOrName(String(o.strategy), '--strategy'),
    weighting: variant
      ? variant.weighting
      : o.weighting === undefined
        ? undefined
        : jsonOrName(String(o.weighting), '--weighting'),
  };
  const run: Record<string, unknown> = {
    ...RUN_DEFAULTS,
    ...file,
    ...Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined)),
  };
  run.minClients ??= run.clientsPerRound;
  if (o.dp !== undefined) run.differentialPrivacy = dpFlagConfig(o.dp as number, Number(run.clientsPerRound));
  return {
    clients: o.clients as number,
    run,
    partition: o.iid ? { kind: 'iid' } : { kind: 'dirichlet', alpha: o.alpha as number },
    samplesPerClient: o.samplesPerClient as number | undefined,
    data: o.data as string | undefined,
    labelNoise: o.labelNoise as string | undefined,
    noisyClients: o.noisyClients as NoisyClients | undefined,
    backend: o.backend as BackendPreference,
    reportDir: o.reportDir as string | undefined,
    slowClients: o.slowClients as SlowClients | undefined,
  };
}

/** A flag that is a registry name or a JSON object. @throws {ConfigError} for malformed JSON, naming the flag. */
function jsonOrName(value: string, flag: string): unknown {
  return value.trim().startsWith('{') ? parseJson(value, flag) : value;
}
