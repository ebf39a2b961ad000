import { float32ToBytes, sha256Hex } from '../../../shared/codec/index.js';
import type { RunConfig } from '../../config/index.js';
import { loadMnistSplit } from '../../../shared/data/index.js';
import { silentLogger, type Logger } from '../../../shared/logging/index.js';
import type { RoundSummary } from '../../../shared/proto/index.js';
import { loadTf } from '../../../shared/tf/index.js';
import { TfModelRuntime } from '../../evaluation/index.js';
import { createStrategy, type CentralEvaluation, type StrategyContext } from '../../strategies/index.js';
import { openFileSpill } from '../../spill/index.js';
import { validateSimulation, type SimulationOptions, type SimulationPartition } from './options.js';
import { playSimulatedRound } from './simulated-round.js';
import { buildVirtualClients } from './virtual-clients.js';

/** Collaborators of {@link simulate}. */
export interface SimulationDeps {
  /** @default a silent logger */
  logger?: Logger;
  /** Called after each round with its summary (the CLI prints a line). */
  onRound?: (summary: RoundSummary, totalRounds: number) => void;
  /** Called once tfjs is loaded and the clients are built, before round 1 (the CLI prints its header). */
  onStart?: (info: SimulationStart) => void;
}

/** What is known before round 1. */
export interface SimulationStart {
  /** tfjs backend every virtual client and the evaluation share (`wasm`, `tensorflow`, `cpu`). */
  backend: string;
  config: RunConfig;
  clients: number;
  partition: SimulationPartition;
  /** Training digits per client: smallest, mean, largest. */
  examplesPerClient: { min: number; mean: number; max: number };
  /** Clients whose labels are noisy on purpose (0 without --label-noise). */
  noisyClients: number;
  /** Central evaluation of the initial global model on the 2,000 held-out digits. */
  initial: CentralEvaluation;
}

/** A finished simulation: setup, every round, and the final model's fingerprint. */
export interface SimulationResult extends SimulationStart {
  rounds: RoundSummary[];
  /** Test accuracy after the last round, in [0, 1]. */
  finalTestAccuracy: number;
  bestTestAccuracy: number;
  /** SHA-256 of the final global model's little-endian float32 bytes: equal seeds and options give equal hashes. */
  finalModelSha256: string;
  wallSeconds: number;
  /** Largest resident set size of this process seen after setup and after each round (bytes). */
  peakRssBytes: number;
}

/**
 * Simulation mode for research: `clients` virtual clients in this process, all on one tfjs backend, each holding its
 * own share of the 8,000 bundled MNIST training digits, trained for `rounds` rounds with the coordinator's strategies
 * (createStrategy on the same run config), the daemon's weighting and local training (trainLocalRound), and central
 * evaluation on the 2,000 held-out digits (TfModelRuntime). Deterministic from the run seed: clients run one after
 * another. Memory: one model and one client's data in tfjs at a time, plus what the strategy's accumulator holds
 * (FedAvg family: one running mean; robust rules: every update of the round).
 * @throws {ConfigError} for invalid options (see validateSimulation) or a partition the 8,000 digits cannot give;
 *         {QuorumNotMetError} when a round gets fewer than minClients updates; {AggregationError} from the strategy.
 */
export async function simulate(options: SimulationOptions, deps: SimulationDeps = {}): Promise<SimulationResult> {
  const started = performance.now();
  const sim = validateSimulation(options);
  const { config } = sim;
  const logger = deps.logger ?? silentLogger();
  const loaded = await loadTf(sim.backend);
  logger.info({ backend: loaded.backend, skipped: loaded.skipped }, `tfjs backend: ${loaded.backend}`);
  const clients = buildVirtualClients(loadMnistSplit('train'), sim, config.seed);
  const runtime = new TfModelRuntime(loaded, loadMnistSplit('test'), logger);
  let peakRssBytes = process.memoryUsage().rss;
  try {
    const strategy = createStrategy(config, { openSpill: openFileSpill });
    const ctx: StrategyContext = {
      config,
      initialWeights: () => runtime.initialWeights(config.model, config.seed),
      evaluate: (weights) => runtime.evaluate(config.model, weights),
    };
    let global = await strategy.initializeParameters(ctx);
    if (!global) throw new Error(`strategy ${strategy.name} gave no initial parameters`);
    const sizes = clients.map((c) => c.data.labels.length);
    const start: SimulationStart = {
      backend: loaded.backend,
      config,
      clients: sim.clients,
      partition: sim.partition,
      examplesPerClient: {
        min: Math.min(...sizes),
        mean: sizes.reduce((a, b) => a + b, 0) / sizes.length,
        max: Math.max(...sizes),
      },
      noisyClients: clients.filter((c) => c.wrongLabels).length,
      initial: await ctx.evaluate(global),
    };
    deps.onStart?.(start);
    const env = {
      tf: loaded.tf,
      runId: `simulation-${config.seed}`,
      config,
      strategy,
      ctx,
      clients: new Map(clients.map((c) => [c.id, c])),
      reportDir: sim.reportDir,
    };
    const rounds: RoundSummary[] = [];
    for (let round = 1; round <= config.rounds; round++) {
      const played = await playSimulatedRound(env, round, global);
      global = played.weights;
      rounds.push(played.summary);
      peakRssBytes = Math.max(peakRssBytes, process.memoryUsage().rss);
      logger.info(
        { round, testAccuracy: played.summary.testAccuracy, trainLoss: played.summary.trainLoss },
        'simulated round aggregated',
      );
      deps.onRound?.(played.summary, config.rounds);
    }
    const accuracies = rounds.map((r) => r.testAccuracy);
    return {
      ...start,
      rounds,
      finalTestAccuracy: accuracies.at(-1) ?? NaN,
      bestTestAccuracy: Math.max(...accuracies),
      finalModelSha256: sha256Hex(float32ToBytes(global.values)),
      wallSeconds: (performance.now() - started) / 1000,
      peakRssBytes,
    };
  } finally {
    runtime.dispose();
  }
}
