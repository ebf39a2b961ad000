export { ClientDaemon, type ClientDaemonDeps } from './client-daemon.js';
export { trainLocalRound } from './local-round.js';
export { weightRound, type RoundWeighting, type SiteReporting } from './round-weighting.js';
