import forge from 'node-forge';
import { roleUri, type CertificateRole } from './certificate-role.js';

/** A certificate and its private key, PEM. */
export interface PemPair {
  cert: string;
  key: string;
}

/**
 * What {@link makeDevCertificates} makes: a CA, the coordinator's server certificate, one client certificate per site
 * and the operator's client certificate (for `fedsift run` under mutual TLS).
 */
export interface DevCertificates {
  ca: PemPair;
  server: PemPair;
  clients: Record<string, PemPair>;
  operator: PemPair;
}

interface Issuer {
  cert?: forge.pki.Certificate;
  key: forge.pki.rsa.PrivateKey;
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

function certificate(
  commonName: string,
  keys: forge.pki.rsa.KeyPair,
  issuer: Issuer,
  days: number,
  extensions: object[],
): forge.pki.Certificate {
  const c = forge.pki.createCertificate();
  c.publicKey = keys.publicKey;
  c.serialNumber = `01${forge.util.bytesToHex(forge.random.getBytesSync(15))}`;
  c.validity.notBefore = new Date(Date.now() - 60_000);
  c.validity.notAfter = new Date(Date.now() + days * 86_400_000);
  const subject = [
    { name: 'commonName', value: commonName },
    { name: 'organizationName', value: 'fedsift development' },
  ];
  c.setSubject(subject);
  c.setIssuer(issuer.cert ? issuer.cert.subject.attributes : subject);
  c.setExtensions(extensions);
  c.sign(issuer.key, forge.md.sha256.create());
  return c;
}

const pair = (c: forge.pki.Certificate, keys: forge.pki.rsa.KeyPair): PemPair => ({
  cert: forge.pki.certificateToPem(c),
  key: forge.pki.privateKeyToPem(keys.privateKey),
});

/** A development CA that issues certificates: its PEM files and its parsed certificate and key. */
export interface DevCa {
  pem: PemPair;
  issuer: Required<Issuer>;
}

/** A new self-signed development CA (RSA 2048, SHA-256), valid `days` days. @throws {RangeError} when `days` < 1. */
export function makeDevCa(days = 365): DevCa {
  checkDays(days);
  const keys = forge.pki.rsa.generateKeyPair({ bits: 2048 });
  const cert = certificate('fedsift development CA', keys, { key: keys.privateKey }, days, [
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
  ]);
  return { pem: pair(cert, keys), issuer: { cert, key: keys.privateKey } };
}

/**
 * The CA of an earlier `makeDevCa` (e.g. ca.pem and ca-key.pem of `fedsift certs`), to issue more certificates that
 * the sites and the coordinator already trust. @throws {Error} when the PEM does not parse, is not a CA certificate,
 * has expired, or the key is not the certificate's.
 */
export function loadDevCa(pem: PemPair): DevCa {
  const cert = forge.pki.certificateFromPem(pem.cert);
  const key = forge.pki.privateKeyFromPem(pem.key) as forge.pki.rsa.PrivateKey;
  const constraints = cert.getExtension('basicConstraints') as { cA?: boolean } | null;
  if (!constraints?.cA) throw new Error('the certificate is not a CA certificate (basicConstraints cA is not set)');
  if (cert.validity.notAfter.getTime() <= Date.now())
    throw new Error(`the CA expired on ${cert.validity.notAfter.toISOString()}`);
  const publicKey = cert.publicKey as forge.pki.rsa.PublicKey;
  if (publicKey.n.compareTo(key.n) !== 0 || publicKey.e.compareTo(key.e) !== 0)
    throw new Error("the key is not the CA certificate's key");
  return { pem, issuer: { cert, key } };
}

const leafExtensions = (usage: 'serverAuth' | 'clientAuth', altNames: object[]) => [
  { name: 'basicConstraints', cA: false },
  { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
  { name: 'extKeyUsage', [usage]: true },
  ...(altNames.length ? [{ name: 'subjectAltName', altNames }] : []),
];

/**
 * The coordinator's server certificate from `ca`, for `hosts` (DNS names and IPv4 addresses as subject alternative
 * names; the first is the common name). @throws {RangeError} when `hosts` is empty or `days` < 1.
 */
export function issueServerCertificate(ca: DevCa, hosts: readonly string[], days = 365): PemPair {
  if (!hosts.length) throw new RangeError('issueServerCertificate: at least one host name or address');
  checkDays(days);
  const keys = forge.pki.rsa.generateKeyPair({ bits: 2048 });
  const altNames = hosts.map((h) => (IPV4.test(h) ? { type: 7, ip: h } : { type: 2, value: h }));
  return pair(certificate(hosts[0]!, keys, ca.issuer, days, leafExtensions('serverAuth', altNames)), keys);
}

function roleCertificate(ca: DevCa, commonName: string, role: CertificateRole, days: number): PemPair {
  checkDays(days);
  const keys = forge.pki.rsa.generateKeyPair({ bits: 2048 });
  const altNames = [{ type: 6, value: roleUri(role) }];
  return pair(certificate(commonName, keys, ca.issuer, days, leafExtensions('clientAuth', altNames)), keys);
}

/**
 * A site's client certificate from `ca` for mutual TLS: common name = site id, role `urn:fedsift:role:site` (a URI
 * subject alternative name). @throws {RangeError} when `days` < 1.
 */
export function issueClientCertificate(ca: DevCa, site: string, days = 365): PemPair {
  return roleCertificate(ca, site, 'site', days);
}

const OPERATOR_COMMON_NAME = 'fedsift operator';

/**
 * The operator's client certificate from `ca` for mutual TLS (role `urn:fedsift:role:operator`): it may call the
 * Admin service (`fedsift run …`), and cannot take part as a site. @throws {RangeError} when `days` < 1.
 */
export function issueOperatorCertificate(ca: DevCa, days = 365): PemPair {
  return roleCertificate(ca, OPERATOR_COMMON_NAME, 'operator', days);
}

interface ParsedAltName {
  type: number;
  value: string;
  ip?: string;
}

/**
 * A new certificate and key for what `certPem` certifies (same common name, subject alternative names — hosts, role
 * — and key usage), from `ca`, valid `days` days from now: `fedsift certs --renew`.
 * @throws {Error} when `certPem` does not parse or was not issued by `ca`; {RangeError} when `days` < 1.
 */
export function reissueCertificate(ca: DevCa, certPem: string, days = 365): PemPair {
  checkDays(days);
  const old = forge.pki.certificateFromPem(certPem);
  let issued: boolean;
  try {
    issued = ca.issuer.cert.verify(old);
  } catch {
    issued = false;
  }
  if (!issued) throw new Error('it was not issued by this CA');
  const commonName = String(old.subject.getField('CN')?.value ?? '');
  const usage = (old.getExtension('extKeyUsage') as { serverAuth?: boolean } | null)?.serverAuth
    ? 'serverAuth'
    : 'clientAuth';
  const san = old.getExtension('subjectAltName') as { altNames: ParsedAltName[] } | null;
  const altNames = (san?.altNames ?? []).map((n) =>
    n.ip ? { type: n.type, ip: n.ip } : { type: n.type, value: n.value },
  );
  const keys = forge.pki.rsa.generateKeyPair({ bits: 2048 });
  return pair(certificate(commonName, keys, ca.issuer, days, leafExtensions(usage, altNames)), keys);
}

function checkDays(days: number): void {
  if (!(days >= 1)) throw new RangeError(`certificate validity: days must be ≥ 1, got ${days}`);
}

/**
 * Development certificates for TLS and mutual TLS (RSA 2048, SHA-256): a new self-signed CA, a server certificate for
 * `hosts`, a client certificate per site and an operator certificate. For test and development federations only — production sites use their
 * PKI. @throws {RangeError} when `hosts` is empty or `days` < 1.
 */
export function makeDevCertificates(hosts: readonly string[], sites: readonly string[], days = 365): DevCertificates {
  const ca = makeDevCa(days);
  const clients = Object.fromEntries(sites.map((site) => [site, issueClientCertificate(ca, site, days)]));
  return {
    ca: ca.pem,
    server: issueServerCertificate(ca, hosts, days),
    clients,
    operator: issueOperatorCertificate(ca, days),
  };
}
