import { credentials, experimental, ServerCredentials, type ChannelCredentials } from '@grpc/grpc-js';
import type { ClientTlsConfig } from '../config/index.js';
import { CertificateFiles } from './certificate-files.js';

/**
 * How a client channel to the coordinator is secured: a bearer token and TLS, each optional (none = plain text, no
 * token). `tls` is a TLS config, whose files the channel reads and reloads itself, or CertificateFiles already read
 * (shared with the metrics, logging their reloads).
 */
export interface ChannelSecurity {
  token?: string;
  tls?: ClientTlsConfig | CertificateFiles | null;
}

/**
 * Server credentials: TLS from `files` (mutual when they hold a CA), each renewed certificate taken for the
 * connections accepted after it; plain text when `files` is null.
 */
export function serverCredentials(files: CertificateFiles | null): ServerCredentials {
  if (!files) return ServerCredentials.createInsecure();
  // grpc-js 1.14 declares the first parameter as the CA provider but uses it as the identity provider, the second
  // (nullable) as the CA's: one provider serves both here.
  return experimental.createCertificateProviderServerCredentials(files, files.hasCa ? files : null, files.hasCa);
}

/**
 * Channel credentials: TLS with the CA (and client certificate) of `tls`, each renewed file taken for the
 * connections made after it; plain text when `tls` is null.
 * @throws {ConfigError} naming the field when a file of a TLS config is unreadable or wrong.
 */
export function channelCredentials(tls: ClientTlsConfig | CertificateFiles | null | undefined): ChannelCredentials {
  if (!tls) return credentials.createInsecure();
  const files = tls instanceof CertificateFiles ? tls : CertificateFiles.forClient(tls);
  return experimental.createCertificateProviderChannelCredentials(files, files.hasIdentity ? files : null);
}
