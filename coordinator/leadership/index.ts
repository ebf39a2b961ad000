export type { Leadership } from './leadership.js';
export { SoleLeadership } from './sole-leadership.js';
export { PgLeadership, type PgLeadershipOptions } from './pg-leadership.js';
