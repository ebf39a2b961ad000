import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { credentials, ServerCredentials, type ChannelCredentials } from '@grpc/grpc-js';
import { z } from 'zod';
import { ConfigError } from '../errors/index.js';

/** The coordinator's TLS: its certificate and key (PEM), and with `clientCaFile` mutual TLS (clients must present a certificate signed by it). */
export const serverTlsSchema = z
  .object({
    certFile: z.string({ error: 'the server certificate (PEM) is required with TLS (--tls-cert)' }).min(1),
    keyFile: z.string({ error: 'the server private key (PEM) is required with TLS (--tls-key)' }).min(1),
    /** CA of the client certificates; null = clients are not asked for one. @default null */
    clientCaFile: z.string().min(1).nullable().default(null),
  })
  .strict();
export type ServerTlsConfig = Readonly<z.output<typeof serverTlsSchema>>;

/** A client's TLS: the CA that signed the coordinator's certificate, and its own certificate and key for mutual TLS. */
export const clientTlsSchema = z
  .object({ caFile: z.string().min(1), certFile: z.string().min(1).optional(), keyFile: z.string().min(1).optional() })
  .strict()
  .refine((t) => (t.certFile === undefined) === (t.keyFile === undefined), {
    message: 'certFile and keyFile go together (--tls-cert and --tls-key)',
    path: ['certFile'],
  });
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
export const PLAINTEXT_HINT =
  'required unless plain text is asked for explicitly (insecure: true, --insecure or $FEDSIFT_INSECURE=1); `fedsift certs` makes development certificates';

function pem(path: string, field: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ConfigError(`${field}: cannot read ${path}: ${(err as Error).message}`, { field, cause: err });
  }
}

/** A PEM certificate file, parsed so that a wrong file fails here, naming its field, not later inside the TLS stack. */
function certificatePem(path: string, field: string): { bytes: Buffer; x509: X509Certificate } {
  const bytes = pem(path, field);
  try {
    return { bytes, x509: new X509Certificate(bytes) };
  } catch (err) {
    throw new ConfigError(`${field}: ${path} is not a PEM certificate (${(err as Error).message})`, {
      field,
      cause: err,
    });
  }
}

/**
 * A certificate and its private key as PEM.
 * @throws {ConfigError} naming the field when a file is unreadable, is not a certificate or key, or the key is not the certificate's (e.g. the two swapped).
 */
function keyPair(tls: { certFile: string; keyFile: string }): { cert: Buffer; key: Buffer } {
  const cert = certificatePem(tls.certFile, 'tls.certFile');
  const key = pem(tls.keyFile, 'tls.keyFile');
  let matches: boolean;
  try {
    matches = cert.x509.checkPrivateKey(createPrivateKey(key));
  } catch (err) {
    throw new ConfigError(`tls.keyFile: ${tls.keyFile} is not a PEM private key (${(err as Error).message})`, {
      field: 'tls.keyFile',
      cause: err,
    });
  }
  if (!matches)
    throw new ConfigError(`tls.keyFile: ${tls.keyFile} is not the private key of the certificate in ${tls.certFile}`, {
      field: 'tls.keyFile',
    });
  return { cert: cert.bytes, key };
}

/** Server credentials: TLS (mutual when clientCaFile is set), or plain text when `tls` is null. @throws {ConfigError} naming an unreadable or wrong file. */
export function serverCredentials(tls: ServerTlsConfig | null): ServerCredentials {
  if (!tls) return ServerCredentials.createInsecure();
  const ca = tls.clientCaFile ? certificatePem(tls.clientCaFile, 'tls.clientCaFile').bytes : null;
  const { cert, key } = keyPair(tls);
  return ServerCredentials.createSsl(ca, [{ cert_chain: cert, private_key: key }], ca !== null);
}

/** Channel credentials: TLS with the given CA (and client certificate), or plain text when `tls` is null. @throws {ConfigError} naming an unreadable or wrong file. */
export function channelCredentials(tls: ClientTlsConfig | null | undefined): ChannelCredentials {
  if (!tls) return credentials.createInsecure();
  const ca = certificatePem(tls.caFile, 'tls.caFile').bytes;
  const pair = tls.certFile && tls.keyFile ? keyPair({ certFile: tls.certFile, keyFile: tls.keyFile }) : null;
  return credentials.createSsl(ca, pair?.key ?? null, pair?.cert ?? null);
}
