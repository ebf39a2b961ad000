/**
 * TypeScript shapes of the fedsift.v1 messages as @grpc/proto-loader delivers them (camelCase, int64 as number,
 * enums as names, oneof case in the named field). See proto/fedsift/v1/fedsift.proto for the documentation.
 */
import type { TensorSpec } from '../codec/index.js';
import type {
  CategorySums,
  GlobalCategorical,
  GlobalNumeric,
  GlobalStatistics,
  NumericSums,
  SiteSums,
} from '../tabular/index.js';

export interface ClientCapabilities {
  numExamples: number;
  backend: string;
  /** Revision of the contract the client speaks (shared/contract PROTOCOL_VERSION); 0 or absent = revision 1. */
  protocolVersion?: number;
  /** Values per example (a table row's encoded width, an image's H·W·C). */
  numFeatures: number;
  /** 1 + the largest class index among the site's labels. */
  numLabelClasses: number;
  /** Hex SHA-256 of the data schema the site's table was read with (schemaSha256); '' = none. */
  schemaSha256: string;
  /** A middle-tier aggregator standing for its sub-fleet (the data fields are 0/''); absent or false = a data site. */
  aggregator?: boolean;
}
export interface FitConfig {
  localEpochs: number;
  batchSize: number;
  learningRate: number;
  proximalMu: number;
  curriculumStage: number;
  /** Absent (undefined when built, null when decoded from gRPC) when every weighting component is off. */
  weighting?: Weighting | null;
  /** The run's update codec; absent (null when decoded) = none. */
  updateCodec?: WireUpdateCodec | null;
  /** Local differential privacy: clip the delta to clippingNorm, add N(0, σ²C²); absent (null when decoded) = none. */
  localPrivacy?: { noiseMultiplier: number; clippingNorm: number } | null;
  /** SecAgg+ of this attempt (run config secureAggregation); absent (null when decoded) = off. */
  secureAggregation?: WireSecureAggregation | null;
  /** A hierarchical run: how aggregators fold their sub-fleet; absent (null when decoded) = a flat run. */
  subFleet?: SubFleetFold | null;
}

/** fedsift.v1.SubFleetFold: how an aggregator folds its clients' updates (see the .proto). */
export interface SubFleetFold {
  /** fedavg-effective: weigh each update by min(its effective_examples metric, num_examples); else by num_examples. */
  effectiveExamples: boolean;
  /** The run's maxUpdateNorm (weight units), applied to each client update; 0 = none. */
  maxUpdateNorm: number;
}

/** fedsift.v1.SubFleetUpdate: what an aggregator's update stands for (see the .proto). */
export interface SubFleetUpdate {
  /** Client updates folded into this one (≥ 1). */
  clients: number;
  /** Clients the aggregator selected that contributed nothing. */
  failed: number;
  /** The first of them (at most MAX_SUB_FLEET_FAILURES), with why. */
  failures: { clientId: string; reason: string }[];
}

/** fedsift.v1.SecureAggregation: SecAgg+ parameters resolved for one attempt (see the .proto). */
export interface WireSecureAggregation {
  numClients: number;
  numShares: number;
  reconstructionThreshold: number;
  maxWeight: number;
  clippingRange: number;
  quantizationRange: number;
  modulus: number;
  graphSeed: number;
  /** L, the model's parameter count. */
  vectorLength: number;
  /** Central DP under SecAgg+: the L2 norm each client clips its delta to; 0 = none. */
  clippingNorm: number;
  /** Central DP under SecAgg+: every client weighs maxWeight examples. */
  equalWeights: boolean;
  /** fedavg-effective: a client weighs itself by its effective sample count Σw (capped at its example count). */
  effectiveExamples: boolean;
}

/** fedsift.v1.SecAggEncryptedShare */
export interface WireEncryptedShare {
  from: string;
  to: string;
  ciphertext: Uint8Array;
}
/** fedsift.v1.SecAggRevealedShare */
export interface WireRevealedShare {
  owner: string;
  share: Uint8Array;
}
/** fedsift.v1.SecAggAdvertisedKeys */
export interface WireAdvertisedKeys {
  clientId: string;
  encryptionPublicKey: Uint8Array;
  maskPublicKey: Uint8Array;
}

/** fedsift.v1.SecAggClientMessage: one of keys (stage 1), shares (stage 2), unmask (stage 4); `stage` names it. */
export interface SecAggClientMessage {
  runId: string;
  round: number;
  attempt: number;
  keys?: { encryptionPublicKey: Uint8Array; maskPublicKey: Uint8Array } | null;
  shares?: { shares: WireEncryptedShare[] } | null;
  unmask?: { seedShares: WireRevealedShare[]; keyShares: WireRevealedShare[] } | null;
  stage?: 'keys' | 'shares' | 'unmask';
}

/** fedsift.v1.SecAggServerMessage: one of shareKeys, maskedInput, unmask, done; `stage` names it. */
export interface SecAggServerMessage {
  shareKeys?: { keys: WireAdvertisedKeys[] } | null;
  maskedInput?: { shares: WireEncryptedShare[] } | null;
  unmask?: { survivors: string[]; dropped: string[] } | null;
  done?: { survivors: number; dropped: number } | null;
  stage?: 'shareKeys' | 'maskedInput' | 'unmask' | 'done';
}

/** fedsift.v1.UpdateCodec (see the .proto for the byte layouts). */
export interface WireUpdateCodec {
  /** "none" | "fp16" | "int8" | "topk"; "" = none. */
  kind: string;
  blockSize: number;
  fraction: number;
  /** topk, in an UpdateHeader: entries the update holds. */
  nonzeros: number;
}

/** fedsift.v1.Weighting.NoisyLabels */
export type WeightingNoisyLabels =
  'NOISY_LABELS_UNSPECIFIED' | 'NOISY_LABELS_NONE' | 'NOISY_LABELS_CONFIDENT_LEARNING' | 'NOISY_LABELS_SMALL_LOSS';
/** fedsift.v1.Weighting.Combine */
export type WeightingCombine = 'COMBINE_UNSPECIFIED' | 'COMBINE_PRODUCT' | 'COMBINE_MIN';
/** fedsift.v1.Weighting.Curriculum.Regularizer */
export type WeightingRegularizer =
  'REGULARIZER_UNSPECIFIED' | 'REGULARIZER_NONE' | 'REGULARIZER_HARD' | 'REGULARIZER_LINEAR' | 'REGULARIZER_MIXTURE';
/** fedsift.v1.Weighting.Curriculum.Pacing */
export type WeightingPacing = 'PACING_UNSPECIFIED' | 'PACING_LINEAR' | 'PACING_ROOT' | 'PACING_GEOMETRIC';
/** fedsift.v1.Weighting.Bootstrap.Mode */
export type WeightingBootstrapMode = 'MODE_UNSPECIFIED' | 'MODE_SOFT' | 'MODE_HARD';

/** fedsift.v1.Weighting.SmallLoss */
export interface WeightingSmallLoss {
  noiseRate: number;
  warmupRounds: number;
}
/** fedsift.v1.Weighting.Curriculum */
export interface WeightingCurriculum {
  regularizer: WeightingRegularizer;
  pacing: WeightingPacing;
  startFraction: number;
  fullAt: number;
}
/** fedsift.v1.Weighting.Bootstrap */
export interface WeightingBootstrap {
  beta: number;
  mode: WeightingBootstrapMode;
}
/**
 * fedsift.v1.Weighting: the run config's `weighting`, field for field. Convert with weightingToWire /
 * weightingFromWire, never by hand. An enum the sender is newer than this build for arrives as its number.
 */
export interface Weighting {
  startRound: number;
  noisyLabels: WeightingNoisyLabels;
  /** null when decoded without the message. */
  smallLoss?: WeightingSmallLoss | null;
  /** null when decoded without the message. */
  curriculum?: WeightingCurriculum | null;
  labelSmoothing: number;
  /** Absent or null = off. */
  bootstrap?: WeightingBootstrap | null;
  /** proto3 `optional`: absent = off. */
  correctLabelsAbove?: number;
  combine: WeightingCombine;
}
export type RoundPhase =
  'ROUND_PHASE_UNSPECIFIED' | 'ROUND_PHASE_FIT' | 'ROUND_PHASE_RUN_DONE' | 'ROUND_PHASE_STATISTICS';

export interface RoundAnnouncement {
  runId: string;
  round: number;
  phase: RoundPhase;
  modelName: string;
  modelSha256: string;
  selectedClientIds: string[];
  evaluateClientIds: string[];
  deadlineUnixMs: number;
  fit: FitConfig;
  totalRounds: number;
  attempt: number;
  coordinatorId: string;
  /** The announcing coordinator's federation; '' (an older build) = the default one. */
  federationId: string;
  /** RunSpec.sha256 of the run as this round uses it; a client fetches the spec again when it changes. */
  runSpecSha256: string;
  /**
   * An asynchronous run's dispatch batch (`attempt` is its id): the update goes to this batch whatever is announced
   * later; absent or false in a synchronous round.
   */
  dispatch?: boolean;
}

export interface JoinRequest {
  siteId: string;
  token: string;
  capabilities: ClientCapabilities;
  /** The daemon's session (CoordinatorLink fills it in); '' from a peer that sent none. */
  sessionId?: string;
  /** Cut off the site's live daemon instead of being refused. */
  takeover?: boolean;
}
export interface JoinResponse {
  clientId: string;
  heartbeatIntervalMs: number;
  maxChunkBytes: number;
  coordinatorId: string;
  /** Revision of the contract the coordinator speaks; 0 or absent = revision 1. */
  protocolVersion?: number;
  /** The federation the coordinator serves; '' or absent (an older build) = the default one. */
  federationId?: string;
}
/** `fedsift preflight`: a Join's checks without joining. */
export interface CheckSiteRequest {
  siteId: string;
  token: string;
  protocolVersion: number;
}
/** An unfinished run whose rounds may select the site, as CheckSite reports it. */
export interface SiteRun {
  runId: string;
  modelName: string;
  /** samples */
  batchSize: number;
  localEpochs: number;
  roundDeadlineMs: number;
  /** The model's input, one example. */
  inputShape: number[];
  numClasses: number;
  /** The run's data schema; '' = none. */
  schemaSha256: string;
}
export interface CheckSiteResponse {
  coordinatorId: string;
  protocolVersion: number;
  runs: SiteRun[];
}
/** FetchRunSpec's request. */
export interface RunSpecRequest {
  runId: string;
  clientId: string;
}
/** What a client needs to take part in a run besides the global weights (see the proto). */
export interface RunSpec {
  runId: string;
  modelRef: string;
  /** Keras/tfjs Layers topology as JSON text, softmax output replaced by linear (the model outputs logits). */
  modelTopologyJson: string;
  inputShape: number[];
  numClasses: number;
  /** The run's data schema as JSON text; '' = none. */
  schemaJson: string;
  /** Absent (null when decoded) before round 0 gathered them, or when the run needs none. */
  statistics?: FeatureStatistics | null;
  /** Hex SHA-256 over the fields above (runSpecSha256). */
  sha256: string;
}
/**
 * fedsift.v1 NumericColumnStatistics / CategoryCounts / GlobalNumericColumn / GlobalCategories / FeatureStatistics:
 * the shapes of shared/tabular's federated statistics, field for field (counts arrive as numbers: longs: Number).
 */
export type NumericColumnStatistics = NumericSums;
export type CategoryCounts = CategorySums;
export type GlobalNumericColumn = GlobalNumeric;
export type GlobalCategories = GlobalCategorical;
export type FeatureStatistics = GlobalStatistics;
/** A site's feature statistics (round 0): its sums, and who sends them for which run. */
export interface SiteStatistics extends SiteSums {
  runId: string;
  clientId: string;
}
export interface StatisticsAck {
  accepted: boolean;
  message: string;
}
export interface HeartbeatRequest {
  clientId: string;
}
export interface HeartbeatResponse {
  serverUnixMs: number;
}
export interface WatchRoundsRequest {
  clientId: string;
}
export interface FetchModelRequest {
  runId: string;
  round: number;
  clientId: string;
}

export interface WireTensorSpec {
  name: string;
  shape: number[];
  dtype: string;
}
export interface ModelHeader {
  modelName: string;
  version: number;
  tensors: WireTensorSpec[];
  totalBytes: number;
  sha256: string;
  /** "none" (or "", an older coordinator) = float32; "fp16" = binary16. */
  codec?: string;
}
export interface ModelChunk {
  header?: ModelHeader | null;
  data?: Uint8Array;
  payload?: 'header' | 'data';
}

export interface UpdateHeader {
  runId: string;
  round: number;
  clientId: string;
  numExamples: number;
  metrics: Record<string, number>;
  tensors: WireTensorSpec[];
  totalBytes: number;
  /** Hex SHA-256 of the update's bytes; "" when it follows them (the trailer, UpdateChunk.sha256). */
  sha256: string;
  /** The attempt of the round this upload answers; 0 or absent = not said (see the .proto). */
  attempt?: number;
  /** How the bytes encode the update; absent (null when decoded) = none. */
  codec?: WireUpdateCodec | null;
  /** An aggregator's update: what it stands for; absent (null when decoded) from a data site. */
  subFleet?: SubFleetUpdate | null;
}
export interface UpdateChunk {
  header?: UpdateHeader | null;
  data?: Uint8Array;
  /** The trailing digest: hex SHA-256 of the update, the last message after a header whose sha256 is "". */
  sha256?: string;
  payload?: 'header' | 'data' | 'sha256';
}
export interface UpdateAck {
  accepted: boolean;
  currentRound: number;
  message: string;
}

export interface EvaluationReport {
  runId: string;
  round: number;
  clientId: string;
  numExamples: number;
  loss: number;
  metrics: Record<string, number>;
}
export interface EvaluationAck {
  accepted: boolean;
}

export type RunStateName =
  | 'RUN_STATE_WAITING'
  | 'RUN_STATE_RUNNING'
  | 'RUN_STATE_COMPLETED'
  | 'RUN_STATE_STOPPED'
  | 'RUN_STATE_FAILED'
  | 'RUN_STATE_SUSPENDED';

/** True for the states in which a run does nothing more in this coordinator process (suspended ones resume after a restart). */
export function isFinalRunState(state: RunStateName): boolean {
  return (
    state === 'RUN_STATE_COMPLETED' ||
    state === 'RUN_STATE_STOPPED' ||
    state === 'RUN_STATE_FAILED' ||
    state === 'RUN_STATE_SUSPENDED'
  );
}

export interface RoundSummary {
  round: number;
  selected: number;
  responded: number;
  failed: number;
  trainLoss: number;
  testLoss: number;
  testAccuracy: number;
  durationMs: number;
  federatedAccuracy: number;
  attempts: number;
  failures: { clientId: string; reason: string }[];
  aggregationMs: number;
  clientMetrics: Record<string, number>;
  /** Bytes of the updates folded this round, as sent (encoded with updateCodec). Absent from an older coordinator. */
  updateBytes?: number;
  /** What the same updates take as float32 (4 bytes per parameter each). */
  rawUpdateBytes?: number;
  /** Global-model bytes FetchModel streamed for this round (reads from the NATS object store are not seen). */
  modelBytes?: number;
  /** The run's updateCodec and downloadCodec as configured. */
  updateCodec?: string;
  downloadCodec?: string;
  /** Differential privacy, central or local (then per site): ε(δ) spent once this round is accounted (δ of the run config); 0 or absent = no DP. */
  dpEpsilon?: number;
  /** Central differential privacy: the clipping norm C this round's updates were clipped to; 0 or absent = no DP. */
  dpClippingNorm?: number;
  /** Client updates in the aggregate, an aggregator's counted as its sub-fleet's; absent from an older coordinator. */
  clientUpdates?: number;
  /** Clients behind the aggregators that contributed nothing (in failures as "<aggregator>/<client>"). */
  subFleetFailed?: number;
}

export interface RunStatus {
  runId: string;
  state: RunStateName;
  currentRound: number;
  totalRounds: number;
  rounds: RoundSummary[];
  configJson: string;
  error: string;
  startedUnixMs: number;
  finishedUnixMs: number;
  connectedClients: number;
  /** Sites a second daemon tried to speak for, coordinator-wide (absent from an older coordinator). */
  siteConflicts?: SiteConflicts[];
  /** The run's global feature statistics; absent (null when decoded) when it has none. */
  featureStatistics?: FeatureStatistics | null;
}
/** A site a second daemon tried to speak for: refused Joins, takeovers, and the peer that holds it now. */
export interface SiteConflicts {
  siteId: string;
  refusedJoins: number;
  takeovers: number;
  peer: string;
}

export type RunEventKind =
  | 'RUN_EVENT_KIND_UNSPECIFIED'
  | 'RUN_EVENT_KIND_ROUND_STARTED'
  | 'RUN_EVENT_KIND_ROUND_COMPLETED'
  | 'RUN_EVENT_KIND_ROUND_RETRIED'
  | 'RUN_EVENT_KIND_RUN_FINISHED';
export interface ListRunsResponse {
  runs: RunStatus[];
}
export interface RunEvent {
  kind: RunEventKind;
  status: RunStatus;
  round?: RoundSummary | null;
  roundNumber: number;
}

/** The wire form of codec tensor specs (a model header's or an update header's `tensors`), in the same order. */
export function specsToWire(specs: readonly TensorSpec[]): WireTensorSpec[] {
  return specs.map((s) => ({ name: s.name, shape: [...s.shape], dtype: s.dtype }));
}

/** Converts wire tensor specs (dtype as a free string) to codec specs, rejecting dtypes other than float32. */
export function specsFromWire(specs: WireTensorSpec[]): TensorSpec[] | string {
  const bad = specs.find((s) => s.dtype !== 'float32');
  if (bad) return `tensor ${bad.name}: dtype "${bad.dtype}" is not supported (only float32)`;
  return specs.map((s) => ({ name: s.name, shape: s.shape.map(Number), dtype: 'float32' as const }));
}
