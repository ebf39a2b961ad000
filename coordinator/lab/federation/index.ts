export { spawnClientProcess, stopChild, FEDSIFT_BIN, type ClientProcessOptions } from './client-processes.js';
export { withFederation, type Federation, type FederationOptions, type FederatedRunShape } from './federation.js';
