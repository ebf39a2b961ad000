import { z } from 'zod';

/**
 * How often the certificate files are read again, so that renewed certificates reach new connections without a
 * restart (ms).
 */
export const DEFAULT_TLS_RELOAD_INTERVAL_MS = 10_000;
const reloadIntervalMsSchema = z.number().int().min(100).default(DEFAULT_TLS_RELOAD_INTERVAL_MS);

/** The coordinator's TLS: its certificate and key (PEM), and with `clientCaFile` mutual TLS (clients must present a certificate signed by it). */
export const serverTlsSchema = z
  .object({
    certFile: z.string({ error: 'the server certificate (PEM) is required with TLS (--tls-cert)' }).min(1),
    keyFile: z.string({ error: 'the server private key (PEM) is required with TLS (--tls-key)' }).min(1),
    /** CA of the client certificates; null = clients are not asked for one. @default null */
    clientCaFile: z.string().min(1).nullable().default(null),
    reloadIntervalMs: reloadIntervalMsSchema,
  })
  .strict();
export type ServerTlsConfig = Readonly<z.output<typeof serverTlsSchema>>;

/** A client's TLS: the CA that signed the coordinator's certificate, and its own certificate and key for mutual TLS. */
export const clientTlsSchema = z
  .object({
    caFile: z.string().min(1),
    certFile: z.string().min(1).optional(),
    keyFile: z.string().min(1).optional(),
    reloadIntervalMs: reloadIntervalMsSchema,
  })
  .strict()
  .refine((t) => (t.certFile === undefined) === (t.keyFile === undefined), {
    message: 'certFile and keyFile go together (--tls-cert and --tls-key)',
    path: ['certFile'],
  });
export type ClientTlsConfig = Readonly<z.input<typeof clientTlsSchema>>;

/** `insecure`: plain-text gRPC, development only (logged as a warning); without it `tls` is required. */
export const insecureSchema = z.boolean().default(false);

/** Refinement shared by the coordinator and client configs: TLS, or plain text asked for explicitly. */
export function requireTlsOrInsecure(c: { tls: unknown; insecure: boolean }, ctx: z.RefinementCtx): void {
  if (c.tls === null && !c.insecure) ctx.addIssue({ code: 'custom', path: ['tls'], message: PLAINTEXT_HINT });
}

/** Message of the error when neither TLS nor plain text was chosen. */
export const PLAINTEXT_HINT =
  'required unless plain text is asked for explicitly (insecure: true, --insecure or $FEDSIFT_INSECURE=1); `fedsift certs` makes development certificates';
