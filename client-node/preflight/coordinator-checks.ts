import { status } from '@grpc/grpc-js';
import { parseHostPort, type ClientConfig, type HostPort } from '../../shared/config/index.js';
import { ConfigError } from '../../shared/errors/index.js';
import { isServiceError } from '../../shared/grpc-errors/index.js';
import type { CheckSiteResponse } from '../../shared/proto/index.js';
import { CoordinatorLink, type CoordinatorTarget } from '../link/index.js';
import { failed, passed, type Outcome } from './checklist.js';
import { lastError, refusalHint, transportHint, unreachableHint } from './diagnosis.js';
import { answersHttp1, speaksTls, tcpError, tlsHandshakeError } from './probes.js';

/** Exit codes of the README's table: the coordinator (or NATS) unreachable; the coordinator refused. */
const UNREACHABLE = 3;
const REFUSED = 4;
const BAD_CONFIG = 2;

/** host and port of a `host:port` address. @throws {Error} for another form (the client config holds addresses to it). */
function hostPort(address: string): HostPort {
  const parsed = parseHostPort(address);
  if (typeof parsed === 'string') throw new Error(`coordinator address ${address}: ${parsed}`);
  return parsed;
}

/**
 * The coordinator's addresses (one, or a federation's several) accept TCP connections: passes when one does.
 * @returns the addresses that accept them, in order, for the tls check.
 */
export async function checkReachable(
  targets: readonly CoordinatorTarget[],
  timeoutMs: number,
): Promise<Outcome<CoordinatorTarget[]>> {
  const probe = ({ host, port }: HostPort) => tcpError(host, port, timeoutMs);
  const codes = await Promise.all(targets.map(({ address }) => probe(hostPort(address))));
  const reachable = targets.filter((_, i) => codes[i] === undefined);
  const down = targets.flatMap(({ address }, i) => (codes[i] === undefined ? [] : [{ address, code: codes[i]! }]));
  if (!reachable.length) return failed(down.map((d) => unreachableHint(d.address, d.code)).join('; '), UNREACHABLE);
  const others = down.length ? ` (not ${down.map((d) => `${d.address}: ${d.code}`).join(', ')})` : '';
  const accept = reachable.length === 1 ? 'accepts' : 'accept';
  return passed(`${reachable.map((t) => t.address).join(', ')} ${accept} TCP connections${others}`, reachable);
}

/**
 * gRPC reaches the Coordinator service with this site's TLS settings at one of `targets`, tried in turn: the first
 * whose grpc.health.v1 status is SERVING (the leader, when the others are standbys) passes, and its link serves the
 * token check. This needs no token. On failure at an address, the address is probed (HTTP/1.1? TLS?) to say what is
 * wrong; when none serves, the first address's failure is reported.
 * @returns the open link on success, for the token check; the caller closes it.
 */
export async function checkTransport(
  config: ClientConfig,
  targets: readonly CoordinatorTarget[],
  timeoutMs: number,
): Promise<Outcome<CoordinatorLink>> {
  let first: Outcome<CoordinatorLink> | undefined;
  for (const target of targets) {
    const outcome = await checkTransportAt(config, target, timeoutMs);
    if (outcome.status === 'pass') return outcome;
    first ??= outcome;
  }
  return first!;
}

/** checkTransport at one address. */
async function checkTransportAt(
  config: ClientConfig,
  target: CoordinatorTarget,
  timeoutMs: number,
): Promise<Outcome<CoordinatorLink>> {
  let link: CoordinatorLink;
  try {
    link = new CoordinatorLink(target, config.transport, { token: config.token, tls: config.tls });
  } catch (err) {
    if (err instanceof ConfigError) return failed(`${err.message} (--tls-ca, --tls-cert, --tls-key)`, BAD_CONFIG);
    throw err;
  }
  const how = config.tls
    ? `TLS with the CA in ${config.tls.caFile}${config.tls.certFile ? ` and this site's certificate ${config.tls.certFile}` : ''}`
    : 'plain text (--insecure)';
  const { address } = target;
  try {
    const serving = await link.health(Date.now() + timeoutMs);
    if (serving === 'SERVING')
      return passed(`gRPC over ${how}: the Coordinator service at ${address} is serving`, link);
    link.close();
    const standby = serving === 'NOT_SERVING' ? ' (a standby coordinator, or one starting: is the leader listed?)' : '';
    return failed(`gRPC over ${how} works, but the Coordinator service is ${serving}${standby}`, UNREACHABLE);
  } catch (err) {
    link.close();
    if (!isServiceError(err)) throw err;
    if (err.code !== status.UNAVAILABLE)
      return failed(
        `${address} answers gRPC but not as a fedsift coordinator (${status[err.code]}: ${err.details})`,
        UNREACHABLE,
      );
    const { host, port } = hostPort(address);
    const [http1, tls] = await Promise.all([answersHttp1(host, port, timeoutMs), speaksTls(host, port, timeoutMs)]);
    const handshake = config.tls && tls ? await tlsHandshakeError(host, port, config.tls, timeoutMs) : undefined;
    const facts = { address, tls: config.tls, details: err.details, handshake };
    return failed(transportHint({ ...facts, answersHttp1: http1, speaksTls: tls }), UNREACHABLE);
  }
}

/**
 * The coordinator would let this site join (rate limit, client certificate, token, protocol revision), asked without
 * joining (CheckSite). @returns the coordinator's unfinished runs, for the model check.
 */
export async function checkToken(
  link: CoordinatorLink,
  config: ClientConfig,
  timeoutMs: number,
): Promise<Outcome<CheckSiteResponse>> {
  try {
    const site = await link.checkSite(config.siteId, config.token ?? '', Date.now() + timeoutMs);
    const credential = config.token ? 'its enrolment token is accepted' : 'the coordinator asks for no token';
    const runs = site.runs.length
      ? `unfinished runs: ${site.runs.map((r) => `${r.runId} (${r.modelName})`).join(', ')}`
      : 'no unfinished run';
    return passed(`site "${config.siteId}" may join: ${credential}; ${runs}`, site);
  } catch (err) {
    if (!isServiceError(err)) throw err;
    if (err.code === status.UNAVAILABLE)
      return failed(`the coordinator went away: ${lastError(err.details)}`, UNREACHABLE);
    return failed(refusalHint(err.code, err.details, config.siteId), REFUSED);
  }
}
