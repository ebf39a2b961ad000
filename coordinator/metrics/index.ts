export { CoordinatorMetrics, DATA_CENTRIC_METRICS, rejectionReason } from './coordinator-metrics.js';
