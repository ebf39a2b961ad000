import { Command } from 'commander';
import { createLogger } from '../../shared/logging/index.js';
import { addRunShapeOptions } from '../demo/index.js';

/** `fedsift experiment …`: reproducible comparisons run on real processes and real MNIST digits. */
export function experimentCommand(): Command {
  const byzantine = addRunShapeOptions(
    new Command('byzantine').description('robust aggregation vs model poisoning: clean FedAvg, then FedAvg/median/trimmed mean/Krum with one attacking client'),
    { clients: 10, rounds: 10, model: 'mlp', localEpochs: 2, alpha: 0.5, seed: 0 },
  )
    .option('--attacks <list>', 'comma-separated attacks of client 0', 'scale:100,signflip:10')
    .option('--out <file>', 'JSON results', 'byzantine-results.json')
    .action(async (o) => {
      const { runByzantineExperiment } = await import('./byzantine.js');
      await runByzantineExperiment({ ...o, attacks: String(o.attacks).split(',') }, createLogger({ name: 'experiment', level: process.env.FEDSIFT_LOG_LEVEL ?? 'warn' }));
    });
  return new Command('experiment').description('reproducible experiments on real processes and real MNIST digits').addCommand(byzantine);
}
