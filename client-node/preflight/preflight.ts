import type { ClientConfig } from '../../shared/config/index.js';
import type { SiteRun } from '../../shared/proto/index.js';
import { CoordinatorAddresses, type CoordinatorLink } from '../link/index.js';
import { Checklist, type CheckResult } from './checklist.js';
import { checkReachable, checkToken, checkTransport } from './coordinator-checks.js';
import { checkNats } from './nats-check.js';
import { checkBackend, checkData, checkModel, checkTraining } from './site-checks.js';

/** Each network step's limit when --connect-timeout is 0 (the daemon's "keep trying"). @default 60 s */
const DEFAULT_TIMEOUT_MS = 60_000;

/** What `fedsift preflight` found: one result per check, in order, and the exit code they add up to. */
export interface PreflightReport {
  checks: CheckResult[];
  /** 0 when no check failed, else the exit code of the first failure (README "CLI"). */
  exitCode: number;
}

/**
 * Checks a site as its daemon would start with `config`, without joining (as NVIDIA FLARE's preflight check):
 * the coordinator's address accepts connections (`coordinator`; with several addresses, one of them), gRPC works
 * with these TLS settings (`tls`, at the first address that serves: the leader), the
 * coordinator would accept this site and its token (`token`, which also learns the unfinished runs), NATS is
 * reachable with JetStream (`nats`, when --nats-url is set), the data loads (`data`, against its data schema when it
 * has one) and fits the unfinished runs' model (`model`: values per example, classes, schema), which tfjs backend
 * runs (`backend`) and how long one batch of a run's model trains (`training`). A check whose prerequisite failed
 * is skipped, not run. Each network step waits at most config.connectTimeoutMs (0: 60 s). Never throws for what it
 * checks: every problem is a failed check.
 * @param onResult called with each result as its check ends (the CLI prints them as they come).
 */
export async function preflight(config: ClientConfig, onResult?: (r: CheckResult) => void): Promise<PreflightReport> {
  const list = new Checklist(onResult);
  const timeoutMs = config.connectTimeoutMs || DEFAULT_TIMEOUT_MS;
  const addresses = await CoordinatorAddresses.resolve(config.coordinator);
  const reachable = await list.run('coordinator', [], () => checkReachable(addresses.all, timeoutMs));
  let link: CoordinatorLink | undefined;
  let runs: SiteRun[] | undefined;
  try {
    link = await list.run('tls', ['coordinator'], () => checkTransport(config, reachable!, timeoutMs));
    runs = (await list.run('token', ['tls'], () => checkToken(link!, config, timeoutMs)))?.runs;
  } finally {
    link?.close();
  }
  await list.run('nats', [], () => checkNats(config.natsUrl, timeoutMs));
  const site = await list.run('data', [], () => checkData(config));
  const model = await list.run('model', ['data'], () => checkModel(site!, runs));
  const tf = await list.run('backend', [], () => checkBackend(config.backend));
  await list.run('training', ['backend', 'model'], () => checkTraining(tf!, site!, model!));
  return { checks: list.results, exitCode: list.exitCode };
}
