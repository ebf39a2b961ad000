import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { positiveIntArg } from '../../shared/cli/index.js';
import { ConfigError } from '../../shared/errors/index.js';
import {
  issueClientCertificate,
  issueOperatorCertificate,
  issueServerCertificate,
  loadDevCa,
  makeDevCa,
  type DevCa,
  type PemPair,
} from '../auth/index.js';

const DEFAULT_HOSTS = '127.0.0.1,localhost';

interface CertsOptions {
  out: string;
  hosts?: string;
  sites: string;
  days: number;
  newCa?: boolean;
}

/**
 * The CA in `dir` (ca.pem + ca-key.pem) when there is one and no new CA is asked for, else a new one.
 * @throws {ConfigError} when only one of the two files is there, or they are not a CA and its key.
 */
function caFor(dir: string, o: CertsOptions): { ca: DevCa; reused: boolean } {
  const cert = join(dir, 'ca.pem'),
    key = join(dir, 'ca-key.pem');
  if (o.newCa || (!existsSync(cert) && !existsSync(key))) return { ca: makeDevCa(o.days), reused: false };
  if (!existsSync(cert) || !existsSync(key))
    throw new ConfigError(
      `${dir} holds one of ca.pem and ca-key.pem but not the other; restore it, or pass --new-ca to start over`,
      { field: 'out' },
    );
  try {
    return { ca: loadDevCa({ cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8') }), reused: true };
  } catch (err) {
    throw new ConfigError(`${cert} and ${key}: ${(err as Error).message}; pass --new-ca to start over`, {
      field: 'out',
      cause: err,
    });
  }
}

/**
 * `fedsift certs`: development TLS certificates as PEM files: a CA, the server certificate, the operator's client
 * certificate (operator.pem, for `fedsift run` under mutual TLS) and the sites' client certificates. Run again on the
 * same directory, it keeps the CA (so every certificate issued before stays trusted), the server certificate (unless
 * --hosts is given) and the operator's, and adds the client certificates of --sites; --new-ca starts over,
 * invalidating every earlier certificate.
 */
export function certsCommand(): Command {
  return new Command('certs')
    .description(
      "make development TLS certificates: a CA, the coordinator's server certificate, an operator certificate (for `fedsift run` under mutual TLS) and one client certificate per site; run again to add sites with the same CA",
    )
    .requiredOption('--out <dir>', 'directory for the PEM files (keys are written mode 600)')
    .option(
      '--hosts <list>',
      `comma-separated DNS names and IPv4 addresses the coordinator is reached at (default ${DEFAULT_HOSTS}); given again, the server certificate is re-issued`,
    )
    .option('--sites <list>', 'comma-separated site ids that get a client certificate (mutual TLS)', '')
    .option('--days <n>', 'validity in days', positiveIntArg, 365)
    .option(
      '--new-ca',
      'replace the CA in --out with a new one: every certificate it issued before stops being trusted',
    )
    .action((o: CertsOptions) => {
      const list = (v: string) =>
        v
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean);
      const d = o.out;
      mkdirSync(d, { recursive: true });
      const { ca, reused } = caFor(d, o);
      const wrote: string[] = [];
      const write = (name: string, p: PemPair) => {
        writeFileSync(join(d, `${name}.pem`), p.cert, { mode: 0o644 });
        writeFileSync(join(d, `${name}-key.pem`), p.key, { mode: 0o600 });
        wrote.push(`${name}.pem`);
      };
      if (!reused) write('ca', ca.pem);
      if (
        !reused ||
        o.hosts !== undefined ||
        !existsSync(join(d, 'server.pem')) ||
        !existsSync(join(d, 'server-key.pem'))
      )
        write('server', issueServerCertificate(ca, list(o.hosts ?? DEFAULT_HOSTS), o.days));
      if (!reused || !existsSync(join(d, 'operator.pem')) || !existsSync(join(d, 'operator-key.pem')))
        write('operator', issueOperatorCertificate(ca, o.days));
      for (const site of list(o.sites)) write(`client-${site}`, issueClientCertificate(ca, site, o.days));
      console.log(
        reused
          ? `kept the CA in ${join(d, 'ca.pem')}: certificates it issued before stay valid`
          : `new CA in ${join(d, 'ca.pem')}`,
      );
      console.log(`wrote ${wrote.length ? wrote.join(', ') : 'nothing'} (with their keys)`);
      console.log(
        `coordinator: fedsift coordinator --tls-cert ${join(d, 'server.pem')} --tls-key ${join(d, 'server-key.pem')} [--tls-client-ca ${join(d, 'ca.pem')}]`,
      );
      console.log(
        `client:      fedsift client --tls-ca ${join(d, 'ca.pem')} [--tls-cert ${join(d, 'client-SITE.pem')} --tls-key ${join(d, 'client-SITE-key.pem')}] …`,
      );
      console.log(
        `operator:    fedsift run … --tls-ca ${join(d, 'ca.pem')} [--tls-cert ${join(d, 'operator.pem')} --tls-key ${join(d, 'operator-key.pem')}]   (with mutual TLS the Admin service takes only this certificate, never a site's)`,
      );
    });
}
