import forge from 'node-forge';

/** A certificate and its private key, PEM. */
export interface PemPair {
  cert: string;
  key: string;
}

/** What {@link makeDevCertificates} makes: a CA, the coordinator's server certificate, one client certificate per site. */
export interface DevCertificates {
  ca: PemPair;
  server: PemPair;
  clients: Record<string, PemPair>;
}

interface Issuer {
  cert?: forge.pki.Certificate;
  key: forge.pki.rsa.PrivateKey;
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

function certificate(commonName: string, keys: forge.pki.rsa.KeyPair, issuer: Issuer, days: number, extensions: object[]): forge.pki.Certificate {
  const c = forge.pki.createCertificate();
  c.publicKey = keys.publicKey;
  c.serialNumber = `01${forge.util.bytesToHex(forge.random.getBytesSync(15))}`;
  c.validity.notBefore = new Date(Date.now() - 60_000);
  c.validity.notAfter = new Date(Date.now() + days * 86_400_000);
  const subject = [{ name: 'commonName', value: commonName }, { name: 'organizationName', value: 'fedsift development' }];
  c.setSubject(subject);
  c.setIssuer(issuer.cert ? issuer.cert.subject.attributes : subject);
  c.setExtensions(extensions);
  c.sign(issuer.key, forge.md.sha256.create());
  return c;
}

const pair = (c: forge.pki.Certificate, keys: forge.pki.rsa.KeyPair): PemPair => ({ cert: forge.pki.certificateToPem(c), key: forge.pki.privateKeyToPem(keys.privateKey) });

/**
 * Development certificates for TLS and mutual TLS (RSA 2048, SHA-256): a self-signed CA, a server certificate for
 * `hosts` (DNS names and IPv4 addresses as subject alternative names), and a client certificate per site (common name
 * = site id). For test and development federations only — production sites use their PKI.
 * @throws {RangeError} when `hosts` is empty or `days` < 1.
 */
export function makeDevCertificates(hosts: readonly string[], sites: readonly string[], days = 365): DevCertificates {
  if (!hosts.length) throw new RangeError('makeDevCertificates: at least one host name or address');
  if (!(days >= 1)) throw new RangeError(`makeDevCertificates: days must be ≥ 1, got ${days}`);
  const caKeys = forge.pki.rsa.generateKeyPair({ bits: 2048 });
  const caCert = certificate('fedsift development CA', caKeys, { key: caKeys.privateKey }, days, [
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
  ]);
  const ca: Issuer = { cert: caCert, key: caKeys.privateKey };
  const leaf = (usage: 'serverAuth' | 'clientAuth', altNames: object[]) => [
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', [usage]: true },
    ...(altNames.length ? [{ name: 'subjectAltName', altNames }] : []),
  ];
  const serverKeys = forge.pki.rsa.generateKeyPair({ bits: 2048 });
  const altNames = hosts.map((h) => (IPV4.test(h) ? { type: 7, ip: h } : { type: 2, value: h }));
  const server = certificate(hosts[0]!, serverKeys, ca, days, leaf('serverAuth', altNames));
  const clients: Record<string, PemPair> = {};
  for (const site of sites) {
    const keys = forge.pki.rsa.generateKeyPair({ bits: 2048 });
    clients[site] = pair(certificate(site, keys, ca, days, leaf('clientAuth', [])), keys);
  }
  return { ca: pair(caCert, caKeys), server: pair(server, serverKeys), clients };
}
