export { startHttpServer, type StartedHttpServer } from './serve.js';
