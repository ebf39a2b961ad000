import type { RoundAnnouncement } from '../../shared/proto/index.js';

/**
 * A FIT announcement of run r1, round 1, attempt 1 of 5 rounds training the MLP, selecting client `me`, with no
 * deadline, from coordinator `coord-1` of federation `fed-a`; `o` overrides any field.
 */
export function testAnnouncement(o: Partial<RoundAnnouncement> = {}): RoundAnnouncement {
  return {
    runId: 'r1',
    round: 1,
    phase: 'ROUND_PHASE_FIT',
    modelName: 'mlp',
    modelSha256: '',
    selectedClientIds: ['me'],
    evaluateClientIds: [],
    deadlineUnixMs: 0,
    fit: { localEpochs: 1, batchSize: 32, learningRate: 0.01, proximalMu: 0, curriculumStage: 1 },
    totalRounds: 5,
    attempt: 1,
    coordinatorId: 'coord-1',
    federationId: 'fed-a',
    runSpecSha256: '',
    ...o,
  };
}
