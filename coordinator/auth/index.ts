export { AccessControl, tokenHash, type Caller } from './access-control.js';
export { RateLimiter } from './rate-limiter.js';
export {
  makeDevCertificates,
  makeDevCa,
  loadDevCa,
  issueServerCertificate,
  issueClientCertificate,
  type DevCa,
  type PemPair,
} from './dev-certificates.js';
