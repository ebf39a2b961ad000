export { AccessControl, tokenHash, type Caller } from './access-control.js';
export { roleOf, roleUri, type CertificateRole } from './certificate-role.js';
export { RateLimiter } from './rate-limiter.js';
export {
  makeDevCertificates,
  makeDevCa,
  reissueCertificate,
  loadDevCa,
  issueServerCertificate,
  issueClientCertificate,
  issueOperatorCertificate,
  type DevCa,
  type PemPair,
} from './dev-certificates.js';
