import type { ChildProcess } from 'node:child_process';
import { parseCoordinatorConfig } from '../../../shared/config/index.js';
import type { Logger } from '../../../shared/logging/index.js';
import { AdminClient } from '../../operator/index.js';
import { startCoordinator, type Coordinator } from '../../main.js';
import { mnistShare, spawnClientProcess, stopChild } from './client-processes.js';
import { resolveSlowClients, type SlowClients } from './slow-clients.js';

/** The shape of a federated run on the bundled digits, shared by the demo and the experiments. */
export interface FederatedRunShape {
  /** Client daemon processes. */
  clients: number;
  rounds: number;
  /** Registry model name. */
  model: string;
  localEpochs: number;
  /** Dirichlet concentration of the label skew across clients. */
  alpha: number;
  /** Seed of the partition and the run. */
  seed: number;
  /**
   * How long a run waits for its client processes to join (ms; the run config's `waitForClientsMs`).
   * @default joinTimeoutMsFor(clients): grows with the number of processes
   */
  joinTimeoutMs?: number;
  /** Clients slowed on purpose (`--slow-clients`); none = every client at full speed. */
  slowClients?: SlowClients;
}

/** A local federation: an in-process coordinator and client daemon processes on loopback. */
export interface FederationOptions {
  clients: number;
  /** Dirichlet concentration of the label skew across clients. */
  alpha: number;
  /** Seed of the data partition. */
  partitionSeed: number;
  natsUrl?: string;
  /** Coordinator HTTP port (metrics, dashboard); default: a free one. */
  httpPort?: number;
  /** Site ids are `<prefix>-<index>`. */
  sitePrefix: string;
  /** Extra `fedsift client` flags for client `index` (e.g. an attack for one of them). */
  clientArgs?: (index: number) => string[];
  /** Data flags of client `index`. @default its Dirichlet(alpha) share of the bundled digits (mnistShare) */
  clientData?: (index: number) => string[];
  /** Log level of the client processes. @default FEDSIFT_LOG_LEVEL or "warn" */
  clientLogLevel?: string;
  /** Clients started with `fedsift client --slowdown F` (a simulation aid); none = every client at full speed. */
  slowClients?: SlowClients;
}

/** What the body of {@link withFederation} gets. */
export interface Federation {
  coordinator: Coordinator;
  admin: AdminClient;
}

/**
 * Starts a coordinator on a free loopback port and `clients` client processes, each holding its Dirichlet(α) share
 * of the 8,000 bundled training digits (or the data `clientData` names), the `slowClients` with `--slowdown F`; runs
 * `body`; then stops the clients and the coordinator, whatever happened.
 * @throws {ConfigError} (field slowClients) before anything starts when `slowClients` does not fit `clients`.
 */
export async function withFederation<T>(
  o: FederationOptions,
  logger: Logger,
  body: (f: Federation) => Promise<T>,
): Promise<T> {
  const slow = o.slowClients ? resolveSlowClients(o.slowClients, o.clients) : new Map<number, number>();
  // Loopback only: plain-text gRPC, asked for explicitly.
  const coordinator = await startCoordinator(
    parseCoordinatorConfig({ port: 0, httpPort: o.httpPort ?? 0, natsUrl: o.natsUrl, insecure: true }),
    logger,
  );
  const admin = new AdminClient(coordinator.address);
  const children: ChildProcess[] = [];
  try {
    for (let i = 0; i < o.clients; i++) {
      children.push(
        spawnClientProcess({
          address: coordinator.address,
          siteId: `${o.sitePrefix}-${i}`,
          data: o.clientData?.(i) ?? mnistShare(o.clients, i, o.alpha, o.partitionSeed),
          natsUrl: o.natsUrl,
          logLevel: o.clientLogLevel ?? process.env.FEDSIFT_LOG_LEVEL ?? 'warn',
          stderr: 'inherit',
          extraArgs: [...(o.clientArgs?.(i) ?? []), ...(slow.has(i) ? ['--slowdown', String(slow.get(i))] : [])],
        }),
      );
    }
    return await body({ coordinator, admin });
  } finally {
    admin.close();
    await Promise.all(children.map((c) => stopChild(c)));
    await coordinator.close();
  }
}
