export { AccessControl, tokenHash } from './access-control.js';
export { RateLimiter } from './rate-limiter.js';
export { makeDevCertificates, type DevCertificates, type PemPair } from './dev-certificates.js';
