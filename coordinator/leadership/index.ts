export type { Leadership } from './leadership.js';
export { SoleLeadership } from './sole-leadership.js';
export { PgLeadership, type PgLeadershipOptions } from './pg-leadership.js';
export { CoordinatorRole, type Role } from './coordinator-role.js';
export { openState, type CoordinatorState } from './open-state.js';
