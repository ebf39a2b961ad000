import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { positiveIntArg } from '../../shared/cli/index.js';
import { ConfigError } from '../../shared/errors/index.js';
import { writeFileAtomic } from '../../shared/files/index.js';
import {
  issueClientCertificate,
  issueOperatorCertificate,
  issueServerCertificate,
  loadDevCa,
  makeDevCa,
  reissueCertificate,
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
  renew?: boolean;
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

/** Writes a certificate and its key (mode 600), each atomically: a process reading them sees the old file or the new. */
function writePair(dir: string, name: string, p: PemPair): void {
  writeFileAtomic(join(dir, `${name}-key.pem`), [p.key], 0o600);
  writeFileAtomic(join(dir, `${name}.pem`), [p.cert], 0o644);
}

const list = (v: string) =>
  v
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

/** Issues what `fedsift certs` is asked for (see certsCommand); returns the names of the certificates written. */
function issue(d: string, o: CertsOptions): { wrote: string[]; reused: boolean } {
  const { ca, reused } = caFor(d, o);
  const wrote: string[] = [];
  const write = (name: string, p: PemPair) => (writePair(d, name, p), wrote.push(`${name}.pem`));
  if (!reused) write('ca', ca.pem);
  const missing = (name: string) => !existsSync(join(d, `${name}.pem`)) || !existsSync(join(d, `${name}-key.pem`));
  if (!reused || o.hosts !== undefined || missing('server'))
    write('server', issueServerCertificate(ca, list(o.hosts ?? DEFAULT_HOSTS), o.days));
  if (!reused || missing('operator')) write('operator', issueOperatorCertificate(ca, o.days));
  for (const site of list(o.sites)) write(`client-${site}`, issueClientCertificate(ca, site, o.days));
  return { wrote, reused };
}

/**
 * `--renew`: re-issues every certificate in `d` that has its key beside it (server.pem, operator.pem, client-*.pem)
 * from the CA there, with the same names, valid `o.days` days from now; all are made before any is written.
 * @throws {ConfigError} when there is no CA, it is combined with options that change names, or a certificate was not
 *         issued by the CA.
 */
function renew(d: string, o: CertsOptions): void {
  if (o.newCa || o.hosts !== undefined || list(o.sites).length)
    throw new ConfigError(
      '--renew keeps every certificate and its names: run it without --new-ca, --hosts and --sites',
      {
        field: 'renew',
      },
    );
  if (!existsSync(join(d, 'ca.pem')))
    throw new ConfigError(`--renew: ${d} holds no ca.pem to renew from; run \`fedsift certs --out ${d}\` first`, {
      field: 'out',
    });
  const { ca } = caFor(d, o);
  const names = readdirSync(d)
    .map((f) => /^(server|operator|client-.+)\.pem$/.exec(f)?.[1])
    .filter((n): n is string => n !== undefined && existsSync(join(d, `${n}-key.pem`)))
    .sort();
  const renewed = names.map((name) => {
    try {
      return { name, pair: reissueCertificate(ca, readFileSync(join(d, `${name}.pem`), 'utf8'), o.days) };
    } catch (err) {
      throw new ConfigError(`--renew: ${join(d, `${name}.pem`)}: ${(err as Error).message}; nothing was renewed`, {
        field: 'renew',
        cause: err,
      });
    }
  });
  for (const { name, pair } of renewed) writePair(d, name, pair);
  const until = new Date(Date.now() + o.days * 86_400_000);
  console.log(
    `renewed ${renewed.length ? names.map((n) => `${n}.pem`).join(', ') : 'nothing'} until ${until.toISOString()} (new keys; same CA and names)`,
  );
  const caUntil = ca.issuer.cert.validity.notAfter;
  if (caUntil < until)
    console.log(
      `note: the CA itself expires on ${caUntil.toISOString()}, before them: start over with --new-ca before then`,
    );
  console.log('a running coordinator and client daemons take the new files for their next connections, no restart');
}

/**
 * `fedsift certs`: development TLS certificates as PEM files: a CA, the server certificate, the operator's client
 * certificate (operator.pem, for `fedsift run` under mutual TLS) and the sites' client certificates. Run again on the
 * same directory, it keeps the CA (so every certificate issued before stays trusted), the server certificate (unless
 * --hosts is given) and the operator's, and adds the client certificates of --sites; --new-ca starts over,
 * invalidating every earlier certificate; --renew re-issues the certificates there before they expire. Files are
 * written atomically, so running processes never read half a file.
 */
export function certsCommand(): Command {
  return new Command('certs')
    .description(
      "make development TLS certificates: a CA, the coordinator's server certificate, an operator certificate (for `fedsift run` under mutual TLS) and one client certificate per site; run again to add sites with the same CA, or with --renew to re-issue them",
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
    .option(
      '--renew',
      'before they expire: re-issue the server, operator and site certificates in --out from its CA, same names, new keys, valid --days from now; running processes take them without a restart',
    )
    .action((o: CertsOptions) => {
      const d = o.out;
      mkdirSync(d, { recursive: true });
      if (o.renew) return renew(d, o);
      const { wrote, reused } = issue(d, o);
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
