export { ClientMetrics, LABEL_ISSUES_METRIC } from './client-metrics.js';
