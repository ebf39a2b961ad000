import type { ClientConfig } from '../../shared/config/index.js';
import type { Logger } from '../../shared/logging/index.js';
import type { CoordinatorLink, GlobalModels } from '../link/index.js';
import type { ClientMetrics } from '../metrics/index.js';
import type { RoundSource } from '../rounds/index.js';
import type { RunContexts } from './run-context.js';
import type { SiteReporting } from './round-weighting.js';

/** What a round source gets of its daemon (ClientDaemon): the client id, the federation, and a re-join. */
export interface DaemonHandle {
  readonly clientId: string;
  readonly federationId: string;
  /** Re-joins the coordinator (see ClientDaemon.rejoin). */
  rejoin(cause?: unknown): Promise<void>;
}

/** Collaborators of a daemon (built by the composition root, client-node/main.ts). */
export interface ClientDaemonDeps {
  config: ClientConfig;
  link: CoordinatorLink;
  /** Where the rounds' global models come from: the NATS object store when there is one, else the link. */
  models: GlobalModels;
  /**
   * The site's data (described on Join: the coordinator selects the site only for runs whose model it fits) and, per
   * run, its spec, model and trainer (disposed with the daemon).
   */
  runs: RunContexts;
  /** Builds the round source once the client id is known. */
  roundSource: (daemon: DaemonHandle) => RoundSource;
  backend: string;
  logger: Logger;
  /** Prometheus metrics of this daemon, when served. */
  metrics?: ClientMetrics;
  /** Where the site's label-issue report goes, and what it says beyond the round (dropped rows, flipped labels). */
  reporting: SiteReporting;
  /** Called last by close() (e.g. to stop the metrics server). */
  onClose?: () => Promise<void>;
}
