export { simulate, type SimulationResult, type SimulationStart } from './simulation.js';
export { validateSimulation, type SimulationOptions } from './options.js';
export { buildVirtualClients, type VirtualClient } from './virtual-clients.js';
export { writeSimulationResult } from './results-file.js';
