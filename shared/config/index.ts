export { parseWith, parseJson } from './parse.js';
export { readJsonFile } from './json-file.js';
export { parseCoordinatorList, parseHostPort, formatHostPort, type HostPort } from './coordinator-addresses.js';
export { dataSourceSchema, type DataSourceConfig } from './data-source.js';
export {
  transportSchema,
  DEFAULT_TRANSPORT,
  grpcChannelOptions,
  grpcServerOptions,
  type TransportConfig,
} from './transport.js';
export {
  coordinatorConfigSchema,
  parseCoordinatorConfig,
  parseClientConfig,
  type CoordinatorConfig,
  type ClientConfig,
  type AuthConfig,
} from './node-configs.js';
export {
  clientTlsSchema,
  DEFAULT_TLS_RELOAD_INTERVAL_MS,
  PLAINTEXT_HINT,
  type ServerTlsConfig,
  type ClientTlsConfig,
} from './tls.js';
export { aggregatorConfigSchema, parseAggregatorConfig, type AggregatorConfig } from './aggregator-config.js';
export { weightingSchema, NO_WEIGHTING, weightingEnabled, type WeightingConfig } from './weighting-options.js';
