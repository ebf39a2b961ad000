export {
  dataSchemaSchema,
  parseDataSchema,
  loadDataSchema,
  schemaSha256,
  schemaJson,
  encodedWidth,
  numericColumns,
  categoricalColumns,
  type DataSchema,
  type FeatureColumn,
  type NumericColumn,
  type CategoricalColumn,
  type MissingPolicy,
} from './schema.js';
export { MISSING_MARKERS } from './missing.js';
export { parseTable, loadTable, type Table } from './table.js';
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
