export { spawnClientProcess, mnistShare, stopChild, FEDSIFT_BIN } from './client-processes.js';
export { withFederation, type FederatedRunShape } from './federation.js';
export { joinTimeoutMsFor, JOIN_BASE_MS, JOIN_PER_CLIENT_MS } from './join-timeout.js';
export {
  describeSlowClients,
  listSlowClients,
  parseSlowClients,
  resolveSlowClients,
  type SlowClient,
  type SlowClients,
} from './slow-clients.js';
export {
  parseClientSelection,
  resolveClientSelection,
  type ClientSelection,
  type SelectionFlag,
} from './client-selection.js';
