export { ClientDaemon, type ClientDaemonDeps } from './client-daemon.js';
