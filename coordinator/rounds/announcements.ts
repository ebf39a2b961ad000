import { type RunConfig } from '../config/index.js';
import { weightingToWire, type FitConfig as WireFitConfig, type RoundAnnouncement } from '../../shared/proto/index.js';
import type { FitConfig } from '../strategies/index.js';
import type { OpenRound } from './open-round.js';

/** Who announces: the run, the coordinator process and its federation. */
export interface AnnouncementSource {
  runId: string;
  coordinatorId: string;
  federationId: string;
  config: RunConfig;
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
  const { config } = src;
  return {
    runId: src.runId,
    round: open.round,
    phase: 'ROUND_PHASE_FIT',
    modelName: config.model,
    modelSha256: open.model.header.sha256,
    selectedClientIds: [...open.selected],
    evaluateClientIds,
    deadlineUnixMs: open.deadlineUnixMs ?? 0, // 0: no deadline (untimed rounds of the in-process simulation)
    fit: wireFitConfig(open.instructions[0]?.config),
    totalRounds: config.rounds,
    attempt: open.attempt,
    coordinatorId: src.coordinatorId,
    federationId: src.federationId,
  };
}

/** The announcement that tells clients a run ended (completed, stopped or failed) after `round`. */
export function runDoneAnnouncement(src: AnnouncementSource, round: number): RoundAnnouncement {
  return {
    runId: src.runId,
    round,
    phase: 'ROUND_PHASE_RUN_DONE',
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
  };
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
