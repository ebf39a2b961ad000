import { Command } from 'commander';
import { createLogger } from '../../shared/logging/index.js';
import { floatArg, intArg } from '../../shared/cli/index.js';

/** `fedsift experiment …`: reproducible comparisons run on real processes and real MNIST digits. */
export function experimentCommand(): Command {
  const byzantine = new Command('byzantine')
    .description('robust aggregation vs model poisoning: clean FedAvg, then FedAvg/median/trimmed mean/Krum with one attacking client')
    .option('--clients <n>', 'client processes', intArg, 10)
    .option('--rounds <n>', 'rounds per run', intArg, 10)
    .option('--model <name>', 'mlp | cnn', 'mlp')
    .option('--local-epochs <n>', 'local epochs', intArg, 2)
    .option('--alpha <a>', 'Dirichlet label skew', floatArg, 0.5)
    .option('--seed <n>', 'seed of partition and runs', intArg, 0)
    .option('--attacks <list>', 'comma-separated attacks of client 0', 'scale:100,signflip:10')
    .option('--out <file>', 'JSON results', 'byzantine-results.json')
    .action(async (o) => {
      const { runByzantineExperiment } = await import('./byzantine.js');
      await runByzantineExperiment({ ...o, attacks: String(o.attacks).split(',') }, createLogger({ name: 'experiment', level: process.env.FEDSIFT_LOG_LEVEL ?? 'warn' }));
    });
  return new Command('experiment').description('reproducible experiments on real processes and real MNIST digits').addCommand(byzantine);
}
