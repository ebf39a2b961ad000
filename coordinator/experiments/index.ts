export { experimentCommand } from './experiment-command.js';
