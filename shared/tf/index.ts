export { loadTf, BACKENDS, type BackendPreference, type LoadedTf, type Tf } from './backend.js';
