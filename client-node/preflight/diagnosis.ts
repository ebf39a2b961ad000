/**
 * What a failed preflight call means, and what to do: a connection the probes saw fail, a refusal of the site. Pure:
 * the probes (probes.ts) and the gRPC calls run elsewhere.
 */
import { status } from '@grpc/grpc-js';

/** What the handshake probe reports when the server hung up without a TLS alert (probes.ts tlsHandshakeError). */
export const CLOSED_AFTER_HANDSHAKE = 'the server closed the connection after the TLS handshake';

/** The gRPC default port, named in the hints. */
const GRPC_PORT_HINT = 'its gRPC port is `fedsift coordinator --port` (50051 by default)';

/**
 * The socket error that grpc-js wraps in an UNAVAILABLE status (`No connection established. Last error: …`), without
 * the wrapping, OpenSSL's file and line, or the timestamp: e.g. `wrong version number`, `certificate signature failure`.
 */
export function lastError(details: string): string {
  const s = details
    .replace(/^No connection established\. Last error: /, '')
    .replace(/\s*(\(\d{4}-\d\d-\d\dT[^)]*\))?\s*\.?\s*Resolution note:[^]*$/, '')
    .replace(/^Error( \[\w+\])?: /, '')
    .trim();
  const ssl = /SSL routines:[^:]*:([^:]+)/.exec(s);
  return ssl ? ssl[1]!.trim() : s;
}

/** Why a TCP connection to the coordinator failed, with what to check. @param code the socket error's code. */
export function unreachableHint(address: string, code: string): string {
  const host = address.slice(0, address.lastIndexOf(':'));
  switch (code) {
    case 'ECONNREFUSED':
      return `nothing listens at ${address} (connection refused): is \`fedsift coordinator\` running there? ${GRPC_PORT_HINT}`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot resolve the host "${host}" (${code}): check --coordinator`;
    case 'ETIMEDOUT':
      return `no answer from ${address} (${code}): a wrong host, or a firewall between this site and the coordinator?`;
    default:
      return `cannot connect to ${address} (${code}): check --coordinator`;
  }
}

/** What the probes learnt about the server at the coordinator's address, and how this site tried to talk to it. */
export interface TransportFacts {
  address: string;
  /** This site's TLS settings (PEM paths); null = plain text (--insecure). */
  tls: { caFile: string; certFile?: string } | null;
  /** Details of the failed gRPC health call. */
  details: string;
  /** With TLS: why a handshake with this site's CA and certificate failed (tlsHandshakeError), when it did. */
  handshake?: string;
  /** The address answered an HTTP/1.1 request (a web server, e.g. the coordinator's /metrics port). */
  answersHttp1: boolean;
  /** The address completed a TLS handshake (its certificate unchecked). */
  speaksTls: boolean;
}

/**
 * Why gRPC to the coordinator failed although its port accepts connections, with what to do: the HTTP port instead of
 * the gRPC one, TLS against plain text (either way), a certificate from another CA or for another host, a missing or
 * refused client certificate (mutual TLS).
 */
export function transportHint(f: TransportFacts): string {
  const err = lastError(f.details);
  if (f.answersHttp1)
    return (
      `${f.address} answers HTTP/1.1, not gRPC: is that the coordinator's HTTP port (/metrics, /healthz, the ` +
      `dashboard)? ${GRPC_PORT_HINT}`
    );
  if (!f.tls && f.speaksTls)
    return (
      `the coordinator at ${f.address} speaks TLS and this site plain text (--insecure): give --tls-ca with the CA ` +
      'that signed its certificate (and --tls-cert, --tls-key when it asks for client certificates)'
    );
  if (f.tls && !f.speaksTls)
    return (
      `the coordinator at ${f.address} speaks plain text (it was started with --insecure) and this site TLS ` +
      `(--tls-ca): give --insecure here, or start the coordinator with --tls-cert and --tls-key (${err})`
    );
  if (!f.tls) return `${f.address} accepts connections but does not answer gRPC (${err}); ${GRPC_PORT_HINT}`;
  return tlsHint(f.address, f.tls, f.handshake ? lastError(f.handshake) : err);
}

/** A TLS handshake with a TLS coordinator failed: which certificate is wrong, and how to fix it. */
function tlsHint(address: string, tls: { caFile: string; certFile?: string }, err: string): string {
  const host = address.slice(0, address.lastIndexOf(':'));
  if (/certificate required/i.test(err))
    return (
      `the coordinator asks for a client certificate (mutual TLS) and this site gave none: give --tls-cert and ` +
      `--tls-key (\`fedsift certs --sites <site-id>\` issues them) (${err})`
    );
  const refused = /unknown ca|bad certificate|certificate unknown|decrypt error|unsupported certificate/i;
  if (tls.certFile && (refused.test(err) || err === CLOSED_AFTER_HANDSHAKE))
    return (
      `the coordinator refused this site's certificate ${tls.certFile} (${err}): it must be signed by the CA the ` +
      'coordinator trusts (its --tls-client-ca)'
    );
  if (/altname|hostname/i.test(err))
    return (
      `the coordinator's certificate is not issued for "${host}" (${err}): dial a name it holds, or re-issue it ` +
      `with \`fedsift certs --hosts ${host}\``
    );
  if (/self.signed|verify|issuer|signature|certificate/i.test(err))
    return (
      `the coordinator's certificate is not signed by the CA in --tls-ca ${tls.caFile} (${err}): give the ca.pem ` +
      'that signed it (the one `fedsift certs` wrote next to its server.pem)'
    );
  return `TLS with ${address} failed (${err}): check --tls-ca, --tls-cert and --tls-key against the coordinator's`;
}

/**
 * Why the coordinator would refuse this site's Join (the CheckSite refusal), with what to do.
 * @param code the gRPC status; @param details its message (e.g. `Join: unknown enrolment token for site "a"`).
 */
export function refusalHint(code: status, details: string, siteId: string): string {
  const said = `${status[code]}: ${details}`;
  switch (code) {
    case status.UNAUTHENTICATED:
      return (
        `${said}; give this site's enrolment token with --token or $FEDSIFT_TOKEN: the one \`fedsift enrol ` +
        `--site-id ${siteId}\` printed when it enrolled the site in the coordinator's tokens file`
      );
    case status.PERMISSION_DENIED:
      return `${said}; the token (--token) and the client certificate (--tls-cert) must both be site "${siteId}"'s`;
    default:
      return said;
  }
}
