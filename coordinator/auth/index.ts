export { AccessControl, tokenHash } from './access-control.js';
export { RateLimiter } from './rate-limiter.js';
