import type { RoundBroadcaster } from '../broadcast/index.js';
import { type RunConfig } from '../config/index.js';
import type { Logger } from '../../shared/logging/index.js';
import {
  codecToWire,
  weightingToWire,
  type FitConfig as WireFitConfig,
  type RoundAnnouncement,
  type RoundPhase,
  type SubFleetFold,
} from '../../shared/proto/index.js';
import type { CodecSpec } from '../../shared/codec/index.js';
import { weighsEffectiveExamples, type FitConfig, type FitInstruction } from '../strategies/index.js';
import type { EncodedModel } from './encoded-model.js';
import type { OpenRound } from './open-round.js';

/** Who announces: the run (with the RunSpec hash its rounds use now), the coordinator process and its federation. */
export interface AnnouncementSource {
  runId: string;
  coordinatorId: string;
  federationId: string;
  config: RunConfig;
  /** RunSpec.sha256 of the run as the announced round uses it. */
  runSpecSha256: string;
}

/**
 * The announcement that opens a round attempt: selection, evaluators, deadline, model hash and the local training
 * config (one for the round: fedsift strategies configure every client alike). Metadata only, never weights.
 */
export function fitAnnouncement(
  src: AnnouncementSource,
  open: OpenRound,
  evaluateClientIds: string[],
): RoundAnnouncement {
  return trainingAnnouncement(src, {
    round: open.round,
    model: open.model,
    instructions: open.instructions,
    selectedClientIds: [...open.selected],
    evaluateClientIds,
    deadlineUnixMs: open.deadlineUnixMs,
    updateCodec: open.updateCodec,
    attempt: open.attempt,
    ...(open.masked && { secureAggregation: open.masked.wire }),
  });
}

/** What a training announcement says: a round attempt's (fitAnnouncement) or an asynchronous dispatch batch's. */
export interface TrainingCall {
  round: number;
  model: EncodedModel;
  /** The selected clients' instructions (one fit config for all: the first one's is announced). */
  instructions: readonly FitInstruction[];
  selectedClientIds: string[];
  evaluateClientIds: string[];
  /** null: no deadline (untimed rounds of the in-process simulation). */
  deadlineUnixMs: number | null;
  updateCodec: CodecSpec;
  /** The round attempt, or in an asynchronous run the dispatch batch id the updates repeat. */
  attempt: number;
  /** An asynchronous run's dispatch batch (RoundAnnouncement.dispatch). */
  dispatch?: boolean;
  secureAggregation?: WireFitConfig['secureAggregation'];
}

/**
 * How the aggregators of a hierarchical run fold their sub-fleets (FitConfig.sub_fleet), so that the coordinator's
 * fold of their updates equals its fold of every client update: weights as the run's strategy weighs an update
 * (fedavg-effective: effective examples; the rest: examples), each client update bounded by the run's maxUpdateNorm
 * (0 = none).
 */
export function subFleetFold(config: Pick<RunConfig, 'strategy' | 'maxUpdateNorm'>): SubFleetFold {
  return {
    effectiveExamples: weighsEffectiveExamples(config.strategy.name),
    maxUpdateNorm: config.maxUpdateNorm ?? 0,
  };
}

/**
 * The announcement that sends clients off to train (TrainingCall); in a hierarchical run its fit config says how
 * aggregators fold (subFleetFold). Metadata only, never weights.
 */
export function trainingAnnouncement(src: AnnouncementSource, c: TrainingCall): RoundAnnouncement {
  return {
    ...announcement(src, c.round, 'ROUND_PHASE_FIT'),
    modelSha256: c.model.header.sha256,
    selectedClientIds: c.selectedClientIds,
    evaluateClientIds: c.evaluateClientIds,
    deadlineUnixMs: c.deadlineUnixMs ?? 0, // 0: no deadline
    fit: {
      ...wireFitConfig(c.instructions[0]?.config),
      updateCodec: codecToWire(c.updateCodec),
      ...(c.secureAggregation && { secureAggregation: c.secureAggregation }),
      ...(src.config.hierarchical && { subFleet: subFleetFold(src.config) }),
    },
    attempt: c.attempt,
    ...(c.dispatch && { dispatch: true }),
  };
}

/**
 * The announcement of an attempt of round 0 of a run with a data schema: the selected clients send the feature
 * statistics of their tables (SubmitStatistics) before `deadlineUnixMs`.
 */
export function statisticsAnnouncement(
  src: AnnouncementSource,
  a: { selected: readonly string[]; attempt: number; deadlineUnixMs: number },
): RoundAnnouncement {
  const { selected, attempt, deadlineUnixMs } = a;
  return {
    ...announcement(src, 0, 'ROUND_PHASE_STATISTICS'),
    selectedClientIds: [...selected],
    attempt,
    deadlineUnixMs,
  };
}

/** The announcement that tells clients a run ended (completed, stopped or failed) after `round`. */
export function runDoneAnnouncement(src: AnnouncementSource, round: number): RoundAnnouncement {
  return announcement(src, round, 'ROUND_PHASE_RUN_DONE');
}

/** The fields every announcement of a run has, with nobody selected, no model hash, deadline or fit config. */
function announcement(src: AnnouncementSource, round: number, phase: RoundPhase): RoundAnnouncement {
  return {
    runId: src.runId,
    round,
    phase,
    modelName: src.config.model,
    modelSha256: '',
    selectedClientIds: [],
    evaluateClientIds: [],
    deadlineUnixMs: 0,
    fit: wireFitConfig(undefined),
    totalRounds: src.config.rounds,
    attempt: 0,
    coordinatorId: src.coordinatorId,
    federationId: src.federationId,
    runSpecSha256: src.runSpecSha256,
  };
}

/**
 * Broadcasts `a`; a failure is logged, never thrown: clients also learn rounds from WatchRounds, and a broadcast
 * failure must not end the run.
 */
export async function announceSafely(broadcaster: RoundBroadcaster, a: RoundAnnouncement, log: Logger): Promise<void> {
  try {
    await broadcaster.announce(a);
  } catch (err) {
    log.error({ err, round: a.round }, 'announcement failed');
  }
}

/**
 * The wire form of a fit config (zeros when undefined: run-done announcements); the weighting travels as a Weighting
 * message, and only when some component is on (announcements stay small).
 */
export function wireFitConfig(c: FitConfig | undefined): WireFitConfig {
  if (!c) return { localEpochs: 0, batchSize: 0, learningRate: 0, proximalMu: 0, curriculumStage: 1 };
  const { weighting, ...rest } = c;
  return { ...rest, weighting: weightingToWire(weighting) };
}
