export {
  loadSiteData,
  loadSiteTable,
  siteTable,
  siteLabels,
  siteCapabilities,
  withLabelNoise,
  type SiteData,
  type SiteCapabilities,
} from './site-data.js';
export { runDataset, runStatistics } from './run-dataset.js';
