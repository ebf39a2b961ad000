export { clientCommand } from './client-command.js';
