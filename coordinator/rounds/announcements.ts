import type { RoundBroadcaster } from '../broadcast/index.js';
import { type RunConfig } from '../config/index.js';
import type { Logger } from '../../shared/logging/index.js';
import {
  codecToWire,
  weightingToWire,
  type FitConfig as WireFitConfig,
  type RoundAnnouncement,
  type RoundPhase,
} from '../../shared/proto/index.js';
import type { FitConfig } from '../strategies/index.js';
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
  return {
    ...announcement(src, open.round, 'ROUND_PHASE_FIT'),
    modelSha256: open.model.header.sha256,
    selectedClientIds: [...open.selected],
    evaluateClientIds,
    deadlineUnixMs: open.deadlineUnixMs ?? 0, // 0: no deadline (untimed rounds of the in-process simulation)
    fit: {
      ...wireFitConfig(open.instructions[0]?.config),
      updateCodec: codecToWire(open.updateCodec),
      ...(open.masked && { secureAggregation: open.masked.wire }),
    },
    attempt: open.attempt,
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
