import { status } from '@grpc/grpc-js';
import type { ClientConfig } from '../../shared/config/index.js';
import { ConfigError } from '../../shared/errors/index.js';
import { isServiceError } from '../../shared/grpc-errors/index.js';
import type { CheckSiteResponse } from '../../shared/proto/index.js';
import { CoordinatorLink } from '../link/index.js';
import { failed, passed, type Outcome } from './checklist.js';
import { lastError, refusalHint, transportHint, unreachableHint } from './diagnosis.js';
import { answersHttp1, speaksTls, tcpError, tlsHandshakeError } from './probes.js';

/** Exit codes of the README's table: the coordinator (or NATS) unreachable; the coordinator refused. */
const UNREACHABLE = 3;
const REFUSED = 4;
const BAD_CONFIG = 2;

/** host and port of a `host:port` address (the client config's regex holds it to that form). */
function hostPort(address: string): { host: string; port: number } {
  const at = address.lastIndexOf(':');
  return { host: address.slice(0, at), port: Number(address.slice(at + 1)) };
}

/** The coordinator's address accepts TCP connections. */
export async function checkReachable(address: string, timeoutMs: number): Promise<Outcome<void>> {
  const { host, port } = hostPort(address);
  const code = await tcpError(host, port, timeoutMs);
  return code === undefined
    ? passed(`${address} accepts TCP connections`, undefined)
    : failed(unreachableHint(address, code), UNREACHABLE);
}

/**
 * gRPC reaches the Coordinator service with this site's TLS settings (its grpc.health.v1 status, which needs no
 * token). On failure the address is probed (HTTP/1.1? TLS?) to say what is wrong.
 * @returns the open link on success, for the token check; the caller closes it.
 */
export async function checkTransport(config: ClientConfig, timeoutMs: number): Promise<Outcome<CoordinatorLink>> {
  let link: CoordinatorLink;
  try {
    link = new CoordinatorLink(config.coordinator, config.transport, { token: config.token, tls: config.tls });
  } catch (err) {
    if (err instanceof ConfigError) return failed(`${err.message} (--tls-ca, --tls-cert, --tls-key)`, BAD_CONFIG);
    throw err;
  }
  const how = config.tls
    ? `TLS with the CA in ${config.tls.caFile}${config.tls.certFile ? ` and this site's certificate ${config.tls.certFile}` : ''}`
    : 'plain text (--insecure)';
  try {
    const serving = await link.health(Date.now() + timeoutMs);
    if (serving === 'SERVING') return passed(`gRPC over ${how}: the Coordinator service is serving`, link);
    link.close();
    return failed(`gRPC over ${how} works, but the Coordinator service is ${serving}`, UNREACHABLE);
  } catch (err) {
    link.close();
    if (!isServiceError(err)) throw err;
    if (err.code !== status.UNAVAILABLE)
      return failed(
        `${config.coordinator} answers gRPC but not as a fedsift coordinator (${status[err.code]}: ${err.details})`,
        UNREACHABLE,
      );
    const { host, port } = hostPort(config.coordinator);
    const [http1, tls] = await Promise.all([answersHttp1(host, port, timeoutMs), speaksTls(host, port, timeoutMs)]);
    const handshake = config.tls && tls ? await tlsHandshakeError(host, port, config.tls, timeoutMs) : undefined;
    const facts = { address: config.coordinator, tls: config.tls, details: err.details, handshake };
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
