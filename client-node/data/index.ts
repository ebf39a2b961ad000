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
export { runDataset, runStatistics, statisticsToSend, type StatisticsToSend } from './run-dataset.js';
