export { ClientMetrics } from './client-metrics.js';
