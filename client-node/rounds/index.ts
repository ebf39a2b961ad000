export { type RoundSource, backoffDelay, MergedRoundSource } from './round-source.js';
export { GrpcRoundSource } from './grpc-round-source.js';
export { NatsRoundSource } from './nats-round-source.js';
