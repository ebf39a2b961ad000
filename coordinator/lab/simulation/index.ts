export { simulate, type SimulationDeps, type SimulationResult, type SimulationStart } from './simulation.js';
export {
  validateSimulation,
  type SimulationOptions,
  type SimulationPartition,
  type ValidSimulation,
} from './options.js';
export { buildVirtualClients, type VirtualClient } from './virtual-clients.js';
export { writeSimulationResult } from './results-file.js';
