export {
  dataSchemaSchema,
  parseDataSchema,
  loadDataSchema,
  schemaSha256,
  schemaJson,
  encodedWidth,
  type DataSchema,
  type FeatureColumn,
  type MissingPolicy,
} from './schema.js';
export { MISSING_MARKERS, parseTable, loadTable, type Table } from './table.js';
export {
  siteStatistics,
  statisticsProblem,
  combineStatistics,
  type SiteSums,
  type NumericSums,
  type CategorySums,
  type GlobalStatistics,
  type GlobalNumeric,
  type GlobalCategorical,
} from './statistics.js';
export { encodeTable, needsStatistics } from './encode.js';
