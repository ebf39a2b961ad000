export { ClientDaemon, type ClientDaemonDeps, type RoundOutcome } from './client-daemon.js';
