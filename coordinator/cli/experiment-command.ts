import { Command } from 'commander';
import { createLogger } from '../../shared/logging/index.js';
import { intArg } from '../../shared/cli/index.js';

import { addRunShapeOptions, noiseListArg, VARIANT_NAMES, variantListArg } from './lab-args.js';

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
  )
    .option('--noise <list>', 'comma-separated noise specs: symmetric:R, pair:R', noiseListArg, [
      'symmetric:0.4',
      'pair:0.4',
    ])
    .option('--noisy-clients <n>', 'clients 0…n−1 get the noise', intArg, 5)
    .option(
      '--variants <list>',
      `comma-separated weighting variants (${VARIANT_NAMES.join(', ')})`,
      variantListArg,
      VARIANT_NAMES,
    )
    .option('--no-ceiling', 'skip the clean-label arm')
    .option('--out <file>', 'JSON results', 'noise-results.json')
    .option('--table <file>', 'markdown table', 'noise-results.md')
    .action(async (o) => {
      const { runNoiseExperiment } = await import('../lab/experiments/index.js');
      await runNoiseExperiment(o, createLogger({ name: 'experiment', level: process.env.FEDSIFT_LOG_LEVEL ?? 'warn' }));
    });
  return new Command('experiment')
    .description('reproducible experiments on real processes and real MNIST digits')
    .addCommand(byzantine)
    .addCommand(noise);
}
