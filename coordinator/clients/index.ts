export { ClientRegistry, type ClientRecord } from './client-registry.js';
