export { startHttpServer } from './serve.js';
