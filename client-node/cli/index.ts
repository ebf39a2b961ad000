export { clientCommand } from './client-command.js';
export { preflightCommand } from './preflight-command.js';
