// Names and shapes both sides agree on that the protobuf schema does not spell out: client metric names, the
// weight-histogram bins, the site report's summary file, shared defaults, the federation id and the NATS names derived
// from it (round subjects, model objects). Free of grpc/nats/tfjs imports, so the pure weighting and metrics modules
// can use it (shared/proto's barrel loads grpc-js).
export {
  CLIENT_METRICS,
  EVALUATION_METRICS,
  WEIGHT_HISTOGRAM_BINS,
  weightBinLowerEdge,
  WEIGHT_HIST_METRICS,
  STALENESS_METRICS,
  STALENESS_MEAN,
  isReservedUpdateMetric,
  CLASS_LOSS_METRICS,
  type IndexedMetricFamily,
} from './client-metrics.js';
export {
  SITE_SUMMARY_FILE,
  LABEL_QUALITY_SCORES,
  siteReportDir,
  type SiteSummary,
  type DetectionQuality,
  type PrecisionRecallPoint,
  type LabelQualityScore,
} from './site-summary.js';
export { DEFAULT_GRPC_PORT, DEFAULT_COORDINATOR_ADDRESS, DEFAULT_HEARTBEAT_INTERVAL_MS } from './defaults.js';
export {
  PROTOCOL_VERSION,
  protocolMismatch,
  MAX_SUB_FLEET_FAILURES,
  MAX_SUB_FLEET_CLIENT_ID_CHARS,
  MAX_SUB_FLEET_REASON_CHARS,
} from './protocol.js';
export { dataShapeMismatch, type SiteDataShape, type RunDataShape } from './data-fit.js';
export {
  DEFAULT_FEDERATION_ID,
  FEDERATION_ID_PATTERN,
  federationIdProblem,
  federationOf,
  roundsStream,
  roundsSubjects,
  roundsSubject,
} from './federation.js';
export { MODEL_OBJECTS_BUCKET, MODEL_HEADER_METADATA_KEY, modelObjectName } from './model-objects.js';
