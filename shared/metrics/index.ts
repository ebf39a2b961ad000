export { collectProcessMetrics, MISNAMED_DEFAULT_GAUGES } from './process-metrics.js';
