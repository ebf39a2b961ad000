export { httpApp, type ReadinessChecks } from './http-server.js';
