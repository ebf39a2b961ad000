import { readFile } from 'node:fs/promises';
import type { experimental } from '@grpc/grpc-js';
import { DEFAULT_TLS_RELOAD_INTERVAL_MS, type ClientTlsConfig, type ServerTlsConfig } from '../config/index.js';
import type { Logger } from '../logging/index.js';
import { parseCa, parseIdentity, readPem, type CaCertificate, type Identity, type PemFile } from './pem-files.js';

type IdentityListener = experimental.IdentityCertificateUpdateListener;
type CaListener = experimental.CaCertificateUpdateListener;

/** Which files a {@link CertificateFiles} reads, and how often it looks at them again. */
export interface CertificateFilesOptions {
  /** The certificate and key this side presents (a server's; a client's for mutual TLS); none = it presents none. */
  identity?: { cert: PemFile; key: PemFile };
  /** The CA the other side's certificate must be signed by; none = the other side is not asked for one. */
  ca?: PemFile;
  /** How often the files are read again while TLS connections may be made (ms). */
  reloadIntervalMs: number;
  /** Where reloads and refused files are logged; none = not logged. */
  logger?: Logger;
}

/**
 * TLS certificates read from PEM files and read again every `reloadIntervalMs`, so that renewed certificates reach
 * new connections without a restart (grpc-js does not reload credentials itself, grpc/grpc-node#570). A grpc-js
 * `CertificateProvider`: the server and channel credentials built on it (see credentials.ts) take each new
 * certificate for the connections made after it. Only a usable set is handed on: a certificate with the key that is
 * its own (a swap half done, a file missing or unparsable leaves the files in use in force and is logged once).
 *
 * grpc-js's own FileWatcherCertificateProvider hands on whatever it reads: a missing file as "no certificate", on
 * which the server drops every new connection, and a certificate with the previous key, which the server cannot use
 * either; its timer also keeps a process alive while a closed channel waits in the subchannel pool. Hence this one.
 * The files are polled rather than watched: Kubernetes replaces mounted secrets by swapping a symbolic link, which
 * file watches miss.
 */
export class CertificateFiles implements experimental.CertificateProvider {
  private identity: Identity | null;
  private ca: CaCertificate | null;
  private readonly identityListeners = new Set<IdentityListener>();
  private readonly caListeners = new Set<CaListener>();
  /** Last refusal logged per kind of file, so a refusal is logged once however often the files are read. */
  private readonly refused = new Map<'identity' | 'ca', string>();
  private timer: NodeJS.Timeout | undefined;
  private reading: Promise<void> | undefined;

  /**
   * Reads the files now. @throws {ConfigError} naming the field when a file cannot be read or parsed, or the key is
   * not the certificate's.
   */
  constructor(private readonly options: CertificateFilesOptions) {
    const { identity, ca } = options;
    this.identity = identity ? parseIdentity(readPem(identity.cert), readPem(identity.key), identity) : null;
    this.ca = ca ? parseCa(readPem(ca), ca) : null;
  }

  /** The coordinator's files: its certificate and key and, for mutual TLS, the CA of the clients' certificates. */
  static forServer(tls: ServerTlsConfig, logger?: Logger): CertificateFiles {
    return new CertificateFiles({
      identity: {
        cert: { path: tls.certFile, field: 'tls.certFile' },
        key: { path: tls.keyFile, field: 'tls.keyFile' },
      },
      ca: tls.clientCaFile ? { path: tls.clientCaFile, field: 'tls.clientCaFile' } : undefined,
      reloadIntervalMs: tls.reloadIntervalMs,
      logger,
    });
  }

  /** A client's files: the CA of the coordinator's certificate and, for mutual TLS, its own certificate and key. */
  static forClient(tls: ClientTlsConfig, logger?: Logger): CertificateFiles {
    const { certFile, keyFile } = tls;
    return new CertificateFiles({
      identity:
        certFile && keyFile
          ? { cert: { path: certFile, field: 'tls.certFile' }, key: { path: keyFile, field: 'tls.keyFile' } }
          : undefined,
      ca: { path: tls.caFile, field: 'tls.caFile' },
      reloadIntervalMs: tls.reloadIntervalMs ?? DEFAULT_TLS_RELOAD_INTERVAL_MS,
      logger,
    });
  }

  /** Whether this side presents a certificate. */
  get hasIdentity(): boolean {
    return this.identity !== null;
  }

  /** Whether the other side's certificate is checked against a CA. */
  get hasCa(): boolean {
    return this.ca !== null;
  }

  /** When the certificates in use expire: `identity` (the one this side presents) and `ca`, each when there is one. */
  expiries(): { identity?: Date; ca?: Date } {
    return {
      ...(this.identity && { identity: new Date(this.identity.x509.validTo) }),
      ...(this.ca && { ca: new Date(this.ca.x509.validTo) }),
    };
  }

  addIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.add(listener);
    this.watch();
    // grpc-js adds its listener before it is ready for an answer: answer on the next tick, as its own providers do.
    process.nextTick(listener, this.identity);
  }

  removeIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.delete(listener);
    this.unwatch();
  }

  addCaCertificateListener(listener: CaListener): void {
    this.caListeners.add(listener);
    this.watch();
    process.nextTick(listener, this.ca);
  }

  removeCaCertificateListener(listener: CaListener): void {
    this.caListeners.delete(listener);
    this.unwatch();
  }

  /** Reads the files again while grpc-js listens; the timer never keeps the process alive on its own. */
  private watch(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.reading ??= this.reload().finally(() => (this.reading = undefined));
    }, this.options.reloadIntervalMs);
    this.timer.unref();
  }

  private unwatch(): void {
    if (this.identityListeners.size || this.caListeners.size || !this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async reload(): Promise<void> {
    const { identity, ca } = this.options;
    if (identity && this.identity) {
      const next = await this.readChanged('identity', async () => {
        const [cert, key] = await Promise.all([readFile(identity.cert.path), readFile(identity.key.path)]);
        return cert.equals(this.identity!.certificate) && key.equals(this.identity!.privateKey)
          ? null
          : parseIdentity(cert, key, identity);
      });
      if (next) {
        this.identity = next;
        this.identityListeners.forEach((listener) => listener(next));
        this.logReload('identity', identity.cert.path, next);
      }
    }
    if (ca && this.ca) {
      const next = await this.readChanged('ca', async () => {
        const bytes = await readFile(ca.path);
        return bytes.equals(this.ca!.caCertificate) ? null : parseCa(bytes, ca);
      });
      if (next) {
        this.ca = next;
        this.caListeners.forEach((listener) => listener(next));
        this.logReload('ca', ca.path, next);
      }
    }
  }

  /** What `read` makes of the files: the new set, null when unchanged, or null and a refusal logged once. */
  private async readChanged<T>(kind: 'identity' | 'ca', read: () => Promise<T | null>): Promise<T | null> {
    try {
      const next = await read();
      this.refused.delete(kind);
      return next;
    } catch (err) {
      const reason = (err as Error).message;
      if (this.refused.get(kind) !== reason)
        this.options.logger?.warn(
          { err: reason },
          `the TLS ${kind === 'ca' ? 'CA' : 'certificate or key'} file changed but cannot be used; the one in use stays in force (a replacement in progress is taken at the next check)`,
        );
      this.refused.set(kind, reason);
      return null;
    }
  }

  private logReload(kind: 'identity' | 'ca', path: string, next: { x509: { subject: string; validTo: string } }): void {
    this.options.logger?.info(
      { file: path, subject: next.x509.subject, notAfter: new Date(next.x509.validTo).toISOString() },
      `TLS ${kind === 'ca' ? 'CA' : 'certificate'} reloaded: new connections use it`,
    );
  }
}
