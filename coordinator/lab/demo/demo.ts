import { writeFileSync } from 'node:fs';
import { parseRunConfig, type RunConfig } from '../../config/index.js';
import { dpFlagConfig } from '../../privacy/index.js';
import { secAggFlagConfig } from '../../secagg/index.js';
import type { Logger } from '../../../shared/logging/index.js';
import type { RoundSummary } from '../../../shared/proto/index.js';
import { watchRun } from '../../operator/index.js';
import {
  describeSlowClients,
  joinTimeoutMsFor,
  listSlowClients,
  resolveSlowClients,
  withFederation,
  type FederatedRunShape,
  type SlowClient,
} from '../federation/index.js';

/** Options of `fedsift demo`. */
export interface DemoOptions extends FederatedRunShape {
  /** Path of the JSON results file. */
  out: string;
  natsUrl?: string;
  /** Coordinator HTTP port for the dashboard and /metrics; default: a free one. */
  httpPort?: number;
  /** The run config's updateCodec and downloadCodec (validated with it). @default "none" */
  updateCodec?: string;
  downloadCodec?: string;
  /** Central DP with adaptive clipping at this noise multiplier σ (`--dp`, dpFlagConfig); undefined = none. */
  dp?: number;
  /** SecAgg+ among all the round's clients (`--secagg`, secAggFlagConfig). @default false */
  secagg?: boolean;
}

/** What the demo writes to its results file. */
export interface DemoResult {
  runId: string;
  state: string;
  config: RunConfig;
  clients: number;
  broadcast: string;
  finalTestAccuracy: number;
  bestTestAccuracy: number;
  wallSeconds: number;
  /** Clients slowed on purpose (`--slow-clients`): 0-based index and factor F; empty = none. */
  slowClients: SlowClient[];
  rounds: RoundSummary[];
}

/**
 * The main job on a bare machine: an in-process coordinator on a free loopback port, `clients` client daemon
 * processes each holding its Dirichlet(α) share of the 8,000 training digits, one FedAvg run followed live through
 * the Admin API, centralised evaluation on the 2,000 held-out digits, and a JSON results file. `slowClients` run
 * with `fedsift client --slowdown F`, named on the start line.
 * @throws {ConfigError} (field slowClients) when `slowClients` does not fit `clients`, before anything starts.
 */
export async function runDemo(
  o: DemoOptions,
  logger: Logger,
  out: (line: string) => void = console.log,
): Promise<DemoResult> {
  const started = performance.now();
  const federation = {
    clients: o.clients,
    alpha: o.alpha,
    partitionSeed: o.seed,
    natsUrl: o.natsUrl,
    httpPort: o.httpPort,
    sitePrefix: 'demo-site',
    slowClients: o.slowClients,
  };
  const slow = o.slowClients ? resolveSlowClients(o.slowClients, o.clients) : new Map<number, number>();
  return withFederation(federation, logger, async ({ coordinator, admin }) => {
    const config = parseRunConfig({
      name: 'demo',
      rounds: o.rounds,
      clientsPerRound: o.clients,
      minClients: Math.max(1, Math.ceil(o.clients * 0.8)),
      minAvailableClients: o.clients,
      localEpochs: o.localEpochs,
      model: o.model,
      seed: o.seed,
      roundDeadlineMs: 120_000,
      waitForClientsMs: o.joinTimeoutMs ?? joinTimeoutMsFor(o.clients),
      updateCodec: o.updateCodec,
      downloadCodec: o.downloadCodec,
      ...(o.dp !== undefined && { differentialPrivacy: dpFlagConfig(o.dp, o.clients) }),
      ...(o.secagg && { secureAggregation: secAggFlagConfig(o.clients) }),
    });
    const sa = config.secureAggregation;
    out(
      `fedsift demo: ${o.clients} client processes, ${o.rounds} rounds of FedAvg, model ${o.model}, Dirichlet α=${o.alpha} over labels, updates ${config.updateCodec}, downloads ${config.downloadCodec}${o.dp !== undefined ? `, central DP σ=${o.dp} (adaptive clipping, δ=1e-5)` : ''}${sa ? `, SecAgg+ (numShares ${sa.numShares}, reconstructionThreshold ${sa.reconstructionThreshold})` : ''}, tfjs backend ${coordinator.backend}, announcements via ${coordinator.broadcast}${slow.size ? `, ${describeSlowClients(listSlowClients(slow))}` : ''}`,
    );
    const { runId } = await admin.startRun(config);
    out(`run ${runId} started; waiting for ${o.clients} clients to join`);
    out(
      `dashboard http://127.0.0.1:${coordinator.httpPort}/ · metrics http://127.0.0.1:${coordinator.httpPort}/metrics`,
    );
    const final = await watchRun(admin, runId, false, out);
    const accs = final.rounds.map((r) => r.testAccuracy);
    const result: DemoResult = {
      runId,
      state: final.state,
      config,
      clients: o.clients,
      broadcast: coordinator.broadcast,
      finalTestAccuracy: accs.at(-1) ?? NaN,
      bestTestAccuracy: Math.max(...accs),
      wallSeconds: (performance.now() - started) / 1000,
      slowClients: listSlowClients(slow),
      rounds: final.rounds,
    };
    writeFileSync(o.out, JSON.stringify(result, null, 2) + '\n');
    out(
      `final test accuracy ${(result.finalTestAccuracy * 100).toFixed(2)}% on the 2,000 held-out digits after ${final.rounds.length} rounds (${result.wallSeconds.toFixed(0)} s)${epsilonOf(final.rounds)}; results in ${o.out}`,
    );
    return result;
  });
}

/** ", ε = 1.234 (δ = 1e-5)" after the last round of a run with central DP; '' otherwise. */
function epsilonOf(rounds: readonly RoundSummary[]): string {
  const e = rounds.at(-1)?.dpEpsilon;
  return e ? `, ε = ${e.toFixed(3)} (δ = 1e-5)` : '';
}
