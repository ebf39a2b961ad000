export { demoCommand } from './demo-command.js';
export { runDemo, type DemoOptions, type DemoResult } from './demo.js';
export { spawnClientProcess, stopChild, FEDSIFT_BIN, type ClientProcessOptions } from './client-processes.js';
export { withFederation, type Federation, type FederationOptions } from './federation.js';
