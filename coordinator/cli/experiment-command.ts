import { Command } from 'commander';
import { ConfigError } from '../../shared/errors/index.js';
import { createLogger } from '../../shared/logging/index.js';
import { intArg } from '../../shared/cli/index.js';
import { parseNoisyClients } from '../lab/experiments/index.js';

import {
  addRunShapeOptions,
  codecListArg,
  noiseListArg,
  seedListArg,
  seedsOf,
  VARIANT_NAMES,
  variantListArg,
  withModelSeedLists,
} from './lab-args.js';

/** `fedsift experiment …`: reproducible comparisons run on real processes and real MNIST digits. */
export function experimentCommand(): Command {
  const byzantine = addRunShapeOptions(
    new Command('byzantine').description(
      'robust aggregation vs model poisoning: clean FedAvg, then FedAvg/median/trimmed mean/Krum with one attacking client',
    ),
    { clients: 10, rounds: 10, model: 'mlp', localEpochs: 2, alpha: 0.5, seed: 0 },
  )
    .option('--attacks <list>', 'comma-separated attacks of client 0', 'scale:100,signflip:10')
    .option('--out <file>', 'JSON results', 'byzantine-results.json')
    .action(async (o) => {
      const { runByzantineExperiment } = await import('../lab/experiments/index.js');
      await runByzantineExperiment(
        { ...o, attacks: String(o.attacks).split(',') },
        createLogger({ name: 'experiment', level: process.env.FEDSIFT_LOG_LEVEL ?? 'warn' }),
      );
    });
  const noise = addRunShapeOptions(
    new Command('noise').description(
      'noisy labels on some sites: clean-label FedAvg (ceiling), then per noise type plain FedAvg and each weighting variant; table with accuracy, label-issue detection and weighting overhead',
    ),
    { clients: 10, rounds: 30, model: 'mlp', localEpochs: 5, alpha: 0.5, seed: 0 },
    true,
  )
    .option('--noise <list>', 'comma-separated noise specs: symmetric:R, pair:R', noiseListArg, [
      'symmetric:0.4',
      'pair:0.4',
    ])
    .option(
      '--noisy-clients <n|list>',
      'the noisy clients: a count n (clients 0…n−1) or comma-separated indices, e.g. 1,3,5,7,9',
      parseNoisyClients,
      5,
    )
    .option(
      '--variants <list>',
      `comma-separated weighting variants (${VARIANT_NAMES.join(', ')})`,
      variantListArg,
      VARIANT_NAMES,
    )
    .option('--no-ceiling', 'skip the clean-label arm')
    .option(
      '--data <file>',
      'a CSV table instead of the bundled digits (needs --schema): per seed, a fifth held out for the test and a Dirichlet split of the rest, one CSV per client',
    )
    .option('--schema <file>', "data schema JSON of --data (the daemon's --schema); --model mlp becomes mlp:64 on it")
    .option('--out <file>', 'JSON results', 'noise-results.json')
    .option('--table <file>', 'markdown table', 'noise-results.md')
    .action(async (o, cmd: Command) => {
      const seeds = seedsOf(o, cmd.getOptionValueSource('seed') === 'cli');
      const { runNoiseExperiment, COMPLETED } = await import('../lab/experiments/index.js');
      const logger = createLogger({ name: 'experiment', level: process.env.FEDSIFT_LOG_LEVEL ?? 'warn' });
      const arms = await runNoiseExperiment(withModelSeedLists(o, o.model, seeds), logger);
      if (arms.some((a) => a.state !== COMPLETED)) process.exitCode = 4;
    });
  const tabular = new Command('noise-tabular')
    .description(
      'label noise on one site of a tabular example (fedsift example, the user-model path): clean, noisy FedAvg and one weighting variant over several seeds',
    )
    .option('--seeds <list>', 'comma-separated seeds', seedListArg, [0, 1, 2, 3, 4])
    .option('--noise <spec>', 'symmetric:R or pair:R on the noisy site', 'symmetric:0.3')
    .option('--noisy-site <k>', 'the noisy site, 1-based (site k holds a share ∝ k of the rows)', intArg, 3)
    .option('--variant <name>', `weighting variant (${VARIANT_NAMES.join(', ')})`, 'cl-correct')
    .option('--rounds <n>', 'rounds', intArg, 30)
    .option('--example <name>', 'example table: penguins | cars', 'cars')
    .option('--table <file>', 'markdown table', 'noise-tabular.md')
    .action(async (o) => {
      const [{ runTabularNoise }, { EXAMPLE_TABLES }, { loadTf }] = await Promise.all([
        import('../lab/experiments/index.js'),
        import('../lab/examples/index.js'),
        import('../../shared/tf/index.js'),
      ]);
      const example = EXAMPLE_TABLES[o.example];
      if (!example) throw new ConfigError(`--example ${o.example}: expected penguins or cars`, { field: 'example' });
      const logger = createLogger({ name: 'experiment', level: process.env.FEDSIFT_LOG_LEVEL ?? 'warn' });
      const options = { ...o, example, out: o.table, noise: noiseListArg(o.noise)[0]! };
      console.log(await runTabularNoise((await loadTf()).tf, options, logger));
    });
  const codecs = addRunShapeOptions(
    new Command('codecs').description(
      'update compression on the demo federation: per codec and seed one run; bytes per round against float32 and final accuracy against the first codec',
    ),
    { clients: 10, rounds: 20, model: 'cnn', localEpochs: 2, alpha: 0.5, seed: 0 },
  )
    .option('--codecs <list>', 'comma-separated update codecs, the reference first', codecListArg, [
      'none',
      'fp16',
      'int8',
      'topk:0.05+int8',
    ])
    .option('--seeds <list>', 'comma-separated seeds (partition and run)', seedListArg, [0, 1, 2])
    .option('--download-codec <codec>', 'the global model as sent: none | fp16', 'none')
    .option('--out <file>', 'JSON results', 'codec-results.json')
    .option('--table <file>', 'markdown table', 'codec-results.md')
    .action(async (o) => {
      if (o.downloadCodec !== 'none' && o.downloadCodec !== 'fp16')
        throw new ConfigError(`--download-codec ${o.downloadCodec}: expected none or fp16`, { field: 'downloadCodec' });
      const { runCodecExperiment } = await import('../lab/experiments/index.js');
      await runCodecExperiment(o, createLogger({ name: 'experiment', level: process.env.FEDSIFT_LOG_LEVEL ?? 'warn' }));
    });
  return new Command('experiment')
    .description('reproducible experiments on real processes and real data')
    .addCommand(byzantine)
    .addCommand(noise)
    .addCommand(tabular)
    .addCommand(codecs);
}
