export { ClientRegistry } from './client-registry.js';
