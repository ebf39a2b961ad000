export { CoordinatorMetrics, rejectionReason } from './coordinator-metrics.js';
