import { Gauge, type Registry } from 'prom-client';
import type { CertificateFiles } from './certificate-files.js';

/** Name of the gauge of when the TLS certificates in use expire, on the coordinator's and the daemon's /metrics. */
export const CERTIFICATE_EXPIRY_METRIC = 'fedsift_tls_certificate_expiry_timestamp_seconds';

/**
 * Adds to `registry` the expiry (Unix seconds, read at scrape time, so a reloaded certificate shows at once) of the
 * certificates `files` holds: `certificate="identity"` the one this process presents, `certificate="ca"` the CA it
 * checks the other side's against. Days left: `(metric - time()) / 86400`.
 */
export function registerCertificateExpiry(registry: Registry, files: CertificateFiles): void {
  new Gauge({
    name: CERTIFICATE_EXPIRY_METRIC,
    help: 'When the TLS certificate in use expires (Unix seconds): identity = the one this process presents, ca = the CA it checks the peer against',
    labelNames: ['certificate'],
    registers: [registry],
    collect() {
      for (const [certificate, notAfter] of Object.entries(files.expiries()))
        this.set({ certificate }, notAfter.getTime() / 1000);
    },
  });
}
