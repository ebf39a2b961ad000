export { clientCommand } from './client-command.js';
export { parseDataSpec, type PartitionFlags } from './data-spec.js';
