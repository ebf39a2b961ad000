export { writeSiteReport } from './site-report.js';
