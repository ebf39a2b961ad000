import { Command } from 'commander';
import { createLogger } from '../../shared/logging/index.js';
import { floatArg, intArg } from '../../shared/cli/index.js';

/** `fedsift demo`: the whole system on one machine with real MNIST digits. */
export function demoCommand(): Command {
  return new Command('demo')
    .description('run a coordinator and client processes on loopback: federated training on real MNIST digits')
    .option('--clients <n>', 'client daemon processes', intArg, 10)
    .option('--rounds <n>', 'rounds', intArg, 20)
    .option('--model <name>', 'model: mlp | cnn', 'cnn')
    .option('--local-epochs <n>', 'local epochs per round', intArg, 2)
    .option('--alpha <a>', 'Dirichlet concentration of the label skew', floatArg, 0.5)
    .option('--seed <n>', 'seed of the partition and the run', intArg, 0)
    .option('--out <file>', 'JSON results file', 'demo-results.json')
    .option('--nats-url <url>', 'announce rounds on NATS too (default: no NATS, gRPC stream only)')
    .option('--http-port <port>', 'port of the dashboard and /metrics (default: a free one, printed)', intArg)
    .action(async (o) => {
      const logger = createLogger({ name: 'demo', level: process.env.FEDSIFT_LOG_LEVEL ?? 'warn' });
      const { runDemo } = await import('./demo.js');
      const result = await runDemo(o, logger);
      if (result.state !== 'RUN_STATE_COMPLETED') process.exitCode = 4;
    });
}
