import { readFileSync } from 'node:fs';
import { credentials, ServerCredentials, type ChannelCredentials } from '@grpc/grpc-js';
import { z } from 'zod';
import { ConfigError } from '../errors/index.js';

/** The coordinator's TLS: its certificate and key (PEM), and with `clientCaFile` mutual TLS (clients must present a certificate signed by it). */
export const serverTlsSchema = z
  .object({
    certFile: z.string().min(1),
    keyFile: z.string().min(1),
    /** CA of the client certificates; null = clients are not asked for one. @default null */
    clientCaFile: z.string().min(1).nullable().default(null),
  })
  .strict();
export type ServerTlsConfig = Readonly<z.output<typeof serverTlsSchema>>;

/** A client's TLS: the CA that signed the coordinator's certificate, and its own certificate and key for mutual TLS. */
export const clientTlsSchema = z
  .object({ caFile: z.string().min(1), certFile: z.string().min(1).optional(), keyFile: z.string().min(1).optional() })
  .strict()
  .refine((t) => (t.certFile === undefined) === (t.keyFile === undefined), { message: 'certFile and keyFile go together', path: ['certFile'] });
export type ClientTlsConfig = Readonly<z.output<typeof clientTlsSchema>>;

/** How a client channel to the coordinator is secured: a bearer token and TLS, each optional (none = plain text, no token). */
export interface ChannelSecurity {
  token?: string;
  tls?: ClientTlsConfig | null;
}

/** `insecure`: plain-text gRPC, development only (logged as a warning); without it `tls` is required. */
export const insecureSchema = z.boolean().default(false);

/** Refinement shared by the coordinator and client configs: TLS, or plain text asked for explicitly. */
export function requireTlsOrInsecure(c: { tls: unknown; insecure: boolean }, ctx: z.RefinementCtx): void {
  if (c.tls === null && !c.insecure) ctx.addIssue({ code: 'custom', path: ['tls'], message: PLAINTEXT_HINT });
}

/** Message of the error when neither TLS nor plain text was chosen. */
export const PLAINTEXT_HINT = 'required unless plain text is asked for explicitly (insecure: true, --insecure or $FEDSIFT_INSECURE=1); `fedsift certs` makes development certificates';

function pem(path: string, field: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ConfigError(`${field}: cannot read ${path}: ${(err as Error).message}`, { field, cause: err });
  }
}

/** Server credentials: TLS (mutual when clientCaFile is set), or plain text when `tls` is null. @throws {ConfigError} naming an unreadable file. */
export function serverCredentials(tls: ServerTlsConfig | null): ServerCredentials {
  if (!tls) return ServerCredentials.createInsecure();
  const ca = tls.clientCaFile ? pem(tls.clientCaFile, 'tls.clientCaFile') : null;
  return ServerCredentials.createSsl(ca, [{ cert_chain: pem(tls.certFile, 'tls.certFile'), private_key: pem(tls.keyFile, 'tls.keyFile') }], ca !== null);
}

/** Channel credentials: TLS with the given CA (and client certificate), or plain text when `tls` is null. @throws {ConfigError} naming an unreadable file. */
export function channelCredentials(tls: ClientTlsConfig | null | undefined): ChannelCredentials {
  if (!tls) return credentials.createInsecure();
  const key = tls.keyFile ? pem(tls.keyFile, 'tls.keyFile') : null;
  const cert = tls.certFile ? pem(tls.certFile, 'tls.certFile') : null;
  return credentials.createSsl(pem(tls.caFile, 'tls.caFile'), key, cert);
}
