export { demoCommand } from './demo-command.js';
export { runDemo, type DemoOptions, type DemoResult } from './demo.js';
export { spawnClientProcess, stopChild, FEDSIFT_BIN, type ClientProcessOptions } from './client-processes.js';
export {
  withFederation,
  addRunShapeOptions,
  type Federation,
  type FederationOptions,
  type FederatedRunShape,
} from './federation.js';
