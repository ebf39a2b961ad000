export { FileSpill, openFileSpill, SPILL_DIR_PREFIX } from './file-spill.js';
