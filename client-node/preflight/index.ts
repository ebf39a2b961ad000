export { preflight, type PreflightReport } from './preflight.js';
export { formatCheck, formatSummary, type CheckResult } from './checklist.js';
