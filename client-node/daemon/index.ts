export { ClientDaemon } from './client-daemon.js';
export { evaluationReport, trainLocalRound } from './local-round.js';
export { RunContexts, buildRunModel, runTrainer } from './run-context.js';
export { playStatisticsRound } from './statistics-round.js';
export { UpdateEncoder, type EncodedUpdate } from './update-encoder.js';
export { privatizeUpdate, privatizeDeltaInPlace, type LocalPrivacySettings } from './local-privacy.js';
export { slowdownWaitMs, type Slowdown } from './slowdown.js';
export { secAggDelta, secAggExamples, type SecAggDeltaSettings } from './secagg-update.js';
