export { ClientDaemon } from './client-daemon.js';
export { trainLocalRound } from './local-round.js';
