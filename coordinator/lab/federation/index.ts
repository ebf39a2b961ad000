export { spawnClientProcess, mnistShare, stopChild, FEDSIFT_BIN } from './client-processes.js';
export { withFederation, type FederatedRunShape } from './federation.js';
