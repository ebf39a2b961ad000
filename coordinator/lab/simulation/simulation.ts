import {
  loadSiteData,
  loadSiteTable,
  siteCapabilities,
  siteLabels,
  type SiteData,
} from '../../../client-node/data/index.js';
import { float32ToBytes, sha256Hex } from '../../../shared/codec/index.js';
import type { RunConfig } from '../../config/index.js';
import { loadMnistSplit } from '../../../shared/data/index.js';
import { DEFAULT_FEDERATION_ID } from '../../../shared/contract/index.js';
import { silentLogger, type Logger } from '../../../shared/logging/index.js';
import type { FeatureStatistics, RoundSummary } from '../../../shared/proto/index.js';
import { needsStatistics } from '../../../shared/tabular/index.js';
import { loadTf } from '../../../shared/tf/index.js';
import { ClientRegistry } from '../../clients/index.js';
import { TfModelRuntime } from '../../evaluation/index.js';
import { RunController } from '../../rounds/index.js';
import { createStrategy, type CentralEvaluation } from '../../strategies/index.js';
import { openFileSpill } from '../../spill/index.js';
import { listSlowClients, type SlowClient } from '../federation/index.js';
import { InProcessClients } from './in-process-clients.js';
import { validateSimulation, type SimulationOptions, type SimulationPartition } from './options.js';
import { buildVirtualClients, type VirtualClient } from './virtual-clients.js';

/** Collaborators of {@link simulate}. */
export interface SimulationDeps {
  /** @default a silent logger */
  logger?: Logger;
  /** Called after each round with its summary (the CLI prints a line). */
  onRound?: (summary: RoundSummary, totalRounds: number) => void;
  /** Called once tfjs is loaded and the clients are built, before round 1 (the CLI prints its header). */
  onStart?: (info: SimulationStart) => void;
  /** Waits a slowed client's (F − 1)× its work (ms; `slowClients`). @default a timer */
  sleep?: (ms: number) => Promise<void>;
}

/** What is known before round 1. */
export interface SimulationStart {
  /** tfjs backend every virtual client and the evaluation share (`wasm`, `tensorflow`, `cpu`). */
  backend: string;
  config: RunConfig;
  clients: number;
  partition: SimulationPartition;
  /** The CSV the clients share (`--data`); undefined = the MNIST digits. */
  data?: string;
  /** Training examples (digits or rows) per client: smallest, mean, largest. */
  examplesPerClient: { min: number; mean: number; max: number };
  /** Clients whose labels are noisy on purpose (0 without --label-noise). */
  noisyClients: number;
  /** Their 0-based indices (client `sim-<i>`), ascending; empty without --label-noise. */
  noisyClientIndices: number[];
  /** Clients slowed on purpose (`--slow-clients`): 0-based index and factor F > 1, by index; empty = none. */
  slowClients: SlowClient[];
  /**
   * Central evaluation of the initial global model on the 2,000 held-out digits or the run's testData; null when the
   * test table is encoded with the feature statistics round 0 gathers (a data schema that standardises or imputes):
   * the result then has it, evaluated once the run ended.
   */
  initial: CentralEvaluation | null;
}

/** A finished simulation: setup, every round, and the final model's fingerprint. */
export interface SimulationResult extends SimulationStart {
  initial: CentralEvaluation;
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
 * own share of the 8,000 bundled MNIST training digits, or of the rows of `options.data` (a CSV read as a daemon
 * reads its `--data`, against the run's data schema when it has one; the model then comes from the schema, and round 0
 * gathers the feature statistics from the virtual clients). The run is the coordinator's own RunController (strategy,
 * selection, intake checks, quorum and retries, aggregation, central evaluation on the 2,000 held-out digits or the
 * run's `testData`); only the transport differs: InProcessClients plays the daemon's part (runStatistics,
 * trainLocalRound) for each selected client, one after another, and rounds close when every selected client answered
 * (no wall-clock deadline). A slowed client (`slowClients`) waits (F − 1)× its work on the simulation's clock, so its
 * round lasts that much longer; as the clients play one after another, the wait adds to the round rather than setting
 * it. Deterministic from the run seed. Memory: one model and one client's data in tfjs at a
 * time, plus what the strategy's accumulator holds (FedAvg family: one running mean; robust rules: every update of
 * the round).
 * @throws {ConfigError} for invalid options (see validateSimulation) or a partition the rows cannot give;
 *         {DataError} for a `data` file that cannot be read, naming the file, the column and the first bad row,
 *         before tfjs loads;
 *         {QuorumNotMetError} when a round gets fewer than minClients updates in maxRoundAttempts attempts;
 *         {AggregationError} from the strategy.
 */
export async function simulate(options: SimulationOptions, deps: SimulationDeps = {}): Promise<SimulationResult> {
  const started = performance.now();
  const sim = validateSimulation(options);
  const { config } = sim;
  const logger = deps.logger ?? silentLogger();
  const virtual = buildVirtualClients(trainingData(sim.data, config, logger), sim, config.seed); // before tfjs loads
  const loaded = await loadTf(sim.backend);
  logger.info({ backend: loaded.backend, skipped: loaded.skipped }, `tfjs backend: ${loaded.backend}`);
  const runtime = new TfModelRuntime(loaded, { kind: 'mnist', split: 'test' }, logger);
  const model = await runtime.prepare(config);
  let peakRssBytes = process.memoryUsage().rss;
  try {
    const registry = new ClientRegistry(Infinity, (siteId) => siteId); // never lapse; ids stay sim-<i>
    const byId = new Map<string, VirtualClient>();
    for (const v of virtual) {
      const capabilities = { ...siteCapabilities(v.site), backend: loaded.backend };
      const claim = { siteId: v.id, capabilities, peer: 'in-process', sessionId: v.id, takeover: false };
      byId.set(registry.join(claim, Date.now()).record.clientId, v);
    }
    const clock = { now: () => Date.now() };
    const transport = new InProcessClients(byId, {
      tf: loaded.tf,
      seed: config.seed,
      reportDir: sim.reportDir,
      logger,
      slowClients: new Map([...sim.slowClients].map(([i, f]) => [virtual[i]!.id, f])),
      clock,
      concurrent: config.mode === 'async',
      ...(deps.sleep && { sleep: deps.sleep }),
    });
    const run = new RunController({
      runId: `simulation-${config.seed}`,
      coordinatorId: 'simulation',
      federationId: DEFAULT_FEDERATION_ID,
      config,
      strategy: createStrategy(config, { openSpill: openFileSpill }),
      broadcaster: transport,
      clients: registry,
      runtime,
      model,
      clock,
      logger,
      untimedRounds: true,
    });
    transport.attach(run);
    const afterRound0 = config.schema !== null && needsStatistics(config.schema);
    const sizes = virtual.map((c) => siteLabels(c.site).length);
    const start: SimulationStart = {
      backend: loaded.backend,
      config,
      clients: sim.clients,
      partition: sim.partition,
      data: sim.data,
      examplesPerClient: {
        min: Math.min(...sizes),
        mean: sizes.reduce((a, b) => a + b, 0) / sizes.length,
        max: Math.max(...sizes),
      },
      noisyClients: virtual.filter((c) => c.wrongLabels).length,
      noisyClientIndices: [...(sim.noise?.clients ?? [])],
      slowClients: listSlowClients(sim.slowClients),
      initial: afterRound0 ? null : await model.evaluate(await model.initialWeights()),
    };
    deps.onStart?.(start);
    let statistics: FeatureStatistics | null | undefined; // round 0's, kept for the initial evaluation after the run
    run.on('event', (e) => {
      if (e.kind === 'RUN_EVENT_KIND_ROUND_STARTED') statistics ??= run.runSpec().statistics;
      if (e.kind !== 'RUN_EVENT_KIND_ROUND_COMPLETED' || !e.round) return;
      peakRssBytes = Math.max(peakRssBytes, process.memoryUsage().rss);
      deps.onRound?.(e.round, config.rounds);
    });
    const final = await run.start();
    await transport.close();
    const { rounds } = run.status();
    if (run.failure) throw run.failure;
    const accuracies = rounds.map((r) => r.testAccuracy);
    return {
      ...start,
      initial: start.initial ?? (await initialAfterRound0(runtime, config, statistics!)),
      rounds,
      finalTestAccuracy: accuracies.at(-1) ?? NaN,
      bestTestAccuracy: Math.max(...accuracies),
      finalModelSha256: sha256Hex(float32ToBytes(final!.values)),
      wallSeconds: (performance.now() - started) / 1000,
      peakRssBytes,
    };
  } finally {
    model.dispose();
  }
}

/**
 * The rows the virtual clients share (I/O): `data` read as a daemon reads its `--data` — against the run's schema when
 * it has one, else as numbers with a `label` column — or the 8,000 bundled training digits.
 * @throws {DataError} naming the file, the column and the first bad row.
 */
function trainingData(data: string | undefined, config: RunConfig, logger: Logger): SiteData {
  if (data === undefined) return { kind: 'dataset', dataset: loadMnistSplit('train') };
  return config.schema ? loadSiteTable(data, config.schema, logger) : loadSiteData({ kind: 'csv', path: data }, logger);
}

/**
 * The initial global model's central evaluation once round 0 gathered the feature statistics that encode the run's
 * test table: the run disposed its own model, so a fresh one resolves the same initial weights (same seed or files).
 */
async function initialAfterRound0(
  runtime: TfModelRuntime,
  config: RunConfig,
  statistics: FeatureStatistics,
): Promise<CentralEvaluation> {
  const model = await runtime.prepare(config);
  try {
    model.useStatistics(statistics);
    return await model.evaluate(await model.initialWeights());
  } finally {
    model.dispose();
  }
}
