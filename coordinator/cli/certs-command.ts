import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { positiveIntArg } from '../../shared/cli/index.js';
import { makeDevCertificates } from '../auth/index.js';

/** `fedsift certs`: a development CA, a server certificate and client certificates, as PEM files. */
export function certsCommand(): Command {
  return new Command('certs')
    .description('make development TLS certificates: a CA, the coordinator\'s server certificate and one client certificate per site')
    .requiredOption('--out <dir>', 'directory for the PEM files (keys are written mode 600)')
    .option('--hosts <list>', 'comma-separated DNS names and IPv4 addresses the coordinator is reached at', '127.0.0.1,localhost')
    .option('--sites <list>', 'comma-separated site ids that get a client certificate (mutual TLS)', '')
    .option('--days <n>', 'validity in days', positiveIntArg, 365)
    .action((o: { out: string; hosts: string; sites: string; days: number }) => {
      const list = (v: string) => v.split(',').map((x) => x.trim()).filter(Boolean);
      const certs = makeDevCertificates(list(o.hosts), list(o.sites), o.days);
      mkdirSync(o.out, { recursive: true });
      const put = (name: string, text: string, secret = false) => writeFileSync(join(o.out, name), text, { mode: secret ? 0o600 : 0o644 });
      put('ca.pem', certs.ca.cert);
      put('ca-key.pem', certs.ca.key, true);
      put('server.pem', certs.server.cert);
      put('server-key.pem', certs.server.key, true);
      for (const [site, p] of Object.entries(certs.clients)) {
        put(`client-${site}.pem`, p.cert);
        put(`client-${site}-key.pem`, p.key, true);
      }
      const d = o.out;
      console.log(`coordinator: fedsift coordinator --tls-cert ${join(d, 'server.pem')} --tls-key ${join(d, 'server-key.pem')} [--tls-client-ca ${join(d, 'ca.pem')}]`);
      console.log(`client:      fedsift client --tls-ca ${join(d, 'ca.pem')} [--tls-cert ${join(d, 'client-SITE.pem')} --tls-key ${join(d, 'client-SITE-key.pem')}] …`);
    });
}
