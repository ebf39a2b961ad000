export { PROTO_PATH, loadFedsiftProto } from './loader.js';
export * from './messages.js';
export { weightingToWire, weightingFromWire } from './weighting.js';
export {
  AUTHORIZATION_METADATA_KEY,
  SESSION_METADATA_KEY,
  bearerTokenInterceptor,
  bearerTokenOf,
  metadataInterceptor,
  sessionIdOf,
} from './bearer-token.js';
export { codecToWire, codecFromWire, sameCodec } from './update-codec.js';
export {
  SECAGG_UPDATE_CODEC,
  secAggToWire,
  secAggFromWire,
  clientStageToWire,
  clientStageFromWire,
  serverStageToWire,
  serverStageFromWire,
  type SecAggClipping,
  type SecAggAttemptRef,
  type SecAggClientStage,
  type SecAggServerStage,
} from './secagg.js';
