import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors/index.js';

/** A PEM file and the config field that names it (`tls.certFile`), for errors. */
export interface PemFile {
  path: string;
  field: string;
}

/** A certificate (PEM bytes and parsed) with its private key (PEM bytes): what one side of TLS presents. */
export interface Identity {
  certificate: Buffer;
  privateKey: Buffer;
  x509: X509Certificate;
}

/** A CA certificate (PEM bytes and parsed) the other side's certificate must be signed by. */
export interface CaCertificate {
  caCertificate: Buffer;
  x509: X509Certificate;
}

/** The bytes of a PEM file. @throws {ConfigError} naming the field when it cannot be read. */
export function readPem(file: PemFile): Buffer {
  try {
    return readFileSync(file.path);
  } catch (err) {
    throw new ConfigError(`${file.field}: cannot read ${file.path}: ${(err as Error).message}`, {
      field: file.field,
      cause: err,
    });
  }
}

/**
 * A CA certificate from its PEM bytes, parsed so that a wrong file fails here, naming its field, not later inside the
 * TLS stack. @throws {ConfigError} when the bytes are not a PEM certificate.
 */
export function parseCa(bytes: Buffer, file: PemFile): CaCertificate {
  return { caCertificate: bytes, x509: parseCertificate(bytes, file) };
}

/**
 * A certificate and its private key from their PEM bytes.
 * @throws {ConfigError} naming the field when a file is not a certificate or key, or the key is not the certificate's
 *         (e.g. the two swapped, or one of them replaced and not yet the other).
 */
export function parseIdentity(cert: Buffer, key: Buffer, files: { cert: PemFile; key: PemFile }): Identity {
  const x509 = parseCertificate(cert, files.cert);
  let matches: boolean;
  try {
    matches = x509.checkPrivateKey(createPrivateKey(key));
  } catch (err) {
    throw new ConfigError(
      `${files.key.field}: ${files.key.path} is not a PEM private key (${(err as Error).message})`,
      {
        field: files.key.field,
        cause: err,
      },
    );
  }
  if (!matches)
    throw new ConfigError(
      `${files.key.field}: ${files.key.path} is not the private key of the certificate in ${files.cert.path}`,
      { field: files.key.field },
    );
  return { certificate: cert, privateKey: key, x509 };
}

function parseCertificate(bytes: Buffer, file: PemFile): X509Certificate {
  try {
    return new X509Certificate(bytes);
  } catch (err) {
    throw new ConfigError(`${file.field}: ${file.path} is not a PEM certificate (${(err as Error).message})`, {
      field: file.field,
      cause: err,
    });
  }
}
