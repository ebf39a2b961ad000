export { preflight, type PreflightReport } from './preflight.js';
export { formatCheck, formatSummary, type CheckResult, type CheckStatus } from './checklist.js';
