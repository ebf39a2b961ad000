import { parseRunConfig, type StrategyOptions } from '../../config/index.js';
import type { Logger } from '../../../shared/logging/index.js';
import type { RunStatus } from '../../../shared/proto/index.js';
import { watchRun } from '../../operator/index.js';
import { joinTimeoutMsFor, withFederation, type FederatedRunShape } from '../federation/index.js';

/** One arm of an experiment: a fresh federation (coordinator + client processes) and one run on it. */
export interface ArmSpec {
  /** Run name. */
  name: string;
  strategy: StrategyOptions | string;
  /** The run config's `weighting` block; none = plain training. */
  weighting?: unknown;
  sitePrefix: string;
  /** Extra `fedsift client` flags for client `index`. */
  clientArgs?: (index: number) => string[];
  /** Further run config fields (e.g. `updateCodec`). */
  runConfig?: Record<string, unknown>;
  /** Data flags of client `index`. @default its share of the bundled digits (FederationOptions.clientData) */
  clientData?: (index: number) => string[];
}

/** What an arm produced: the run's final status and its wall time (s). */
export interface ArmOutcome {
  final: RunStatus;
  wallSeconds: number;
  /** Central test accuracy after each round (ratio). */
  accuracies: number[];
}

/**
 * Runs one arm: every client takes part in every round (clientsPerRound = minClients = clients), same seed and
 * Dirichlet partition for every arm of an experiment, fresh client processes so no state leaks between arms. The run
 * waits `shape.joinTimeoutMs` for the processes to join (default: grows with their number, joinTimeoutMsFor).
 * @throws whatever starting the federation or the run throws (e.g. ConfigError for a bad run config); a run that
 *   starts and then fails resolves, with `final.state` saying so.
 */
export async function runArm(shape: FederatedRunShape, arm: ArmSpec, logger: Logger): Promise<ArmOutcome> {
  const config = parseRunConfig({
    name: arm.name,
    rounds: shape.rounds,
    clientsPerRound: shape.clients,
    minClients: shape.clients,
    localEpochs: shape.localEpochs,
    model: shape.model,
    seed: shape.seed,
    strategy: arm.strategy,
    ...(arm.weighting !== undefined && { weighting: arm.weighting }),
    roundDeadlineMs: 600_000,
    waitForClientsMs: shape.joinTimeoutMs ?? joinTimeoutMsFor(shape.clients),
    ...arm.runConfig,
  });
  const federation = {
    clients: shape.clients,
    alpha: shape.alpha,
    partitionSeed: shape.seed,
    sitePrefix: arm.sitePrefix,
    clientArgs: arm.clientArgs,
    clientData: arm.clientData,
    slowClients: shape.slowClients,
    // The clients' fault-injection warnings would interleave with the table.
    clientLogLevel: process.env.FEDSIFT_LOG_LEVEL ?? 'error',
  };
  const started = performance.now();
  const final = await withFederation(federation, logger, async ({ admin }) =>
    watchRun(admin, (await admin.startRun(config)).runId, true, () => undefined),
  );
  return {
    final,
    wallSeconds: (performance.now() - started) / 1000,
    accuracies: final.rounds.map((r) => r.testAccuracy),
  };
}
