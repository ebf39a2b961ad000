import { Command } from 'commander';
import { createLogger } from '../../shared/logging/index.js';
import { intArg } from '../../shared/cli/index.js';
import { parseNoisyClients } from '../lab/experiments/index.js';
import { addRunShapeOptions, DP_FLAG_HELP, noiseListArg, nonNegativeFloatArg, withModelSeedLists } from './lab-args.js';

/** `fedsift demo`: the whole system on one machine with real MNIST digits. */
export function demoCommand(): Command {
  const demo = new Command('demo').description(
    'run a coordinator and client processes on loopback: federated training on real MNIST digits',
  );
  return addRunShapeOptions(demo, { clients: 10, rounds: 20, model: 'cnn', localEpochs: 2, alpha: 0.5, seed: 0 })
    .option('--out <file>', 'JSON results file', 'demo-results.json')
    .option('--nats-url <url>', 'announce rounds on NATS too (default: no NATS, gRPC stream only)')
    .option('--http-port <port>', 'port of the dashboard and /metrics (default: a free one, printed)', intArg)
    .option(
      '--label-noise <spec>',
      'noisy sites: flip labels on --noisy-clients sites (symmetric:R or pair:R) and run plain FedAvg and weighted training side by side',
      noiseListArg,
    )
    .option(
      '--noisy-clients <n|list>',
      'with --label-noise: a count n (clients 0…n−1) or comma-separated client indices, e.g. 1,3,5,7,9',
      parseNoisyClients,
      5,
    )
    .option('--update-codec <codec>', 'how clients send updates: none | fp16 | int8[:block] | topk:F[+int8]', 'none')
    .option('--download-codec <codec>', 'how the global model is sent: none | fp16', 'none')
    .option('--dp <sigma>', DP_FLAG_HELP, nonNegativeFloatArg)
    .option(
      '--secagg',
      'secure aggregation (SecAgg+): the coordinator sees only the sum of the updates; every client shares with every other, a majority rebuilds a secret (README "Secure aggregation")',
    )
    .action(async (o) => {
      const logger = createLogger({ name: 'demo', level: process.env.FEDSIFT_LOG_LEVEL ?? 'warn' });
      if (o.labelNoise !== undefined) {
        const { runNoiseExperiment, DEMO_VARIANT } = await import('../lab/experiments/index.js');
        const table = String(o.out).replace(/\.json$/, '') + '.md';
        const arms = await runNoiseExperiment(
          {
            ...withModelSeedLists(o, [o.model], [o.seed]),
            noise: o.labelNoise,
            variants: [DEMO_VARIANT],
            ceiling: false,
            table,
          },
          logger,
        );
        if (arms.some((a) => a.state !== 'RUN_STATE_COMPLETED')) process.exitCode = 4;
        return;
      }
      const { runDemo } = await import('../lab/demo/index.js');
      const result = await runDemo(o, logger);
      if (result.state !== 'RUN_STATE_COMPLETED') process.exitCode = 4;
    });
}
