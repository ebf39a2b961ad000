export { httpApp } from './http-server.js';
