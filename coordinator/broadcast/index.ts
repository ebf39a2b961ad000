export { type RoundBroadcaster, encodeAnnouncement } from './broadcaster.js';
export { StreamBroadcaster, FanoutBroadcaster } from './stream-broadcaster.js';
export { NatsBroadcaster } from './nats-broadcaster.js';
export { connectCoordinatorNats, type CoordinatorNats } from './nats-connection.js';
