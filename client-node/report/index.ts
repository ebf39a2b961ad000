export { writeSiteReport, type LabelNextEntry } from './site-report.js';
