import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRunConfig } from '../../../coordinator/config/index.js';
import { encodeModel } from '../../../coordinator/rounds/index.js';
import { trainingAnnouncement } from '../../../coordinator/rounds/announcements.js';
import { TEST_FIT_CONFIG } from '../../helpers/open-rounds.js';

/** The fit config of a training announcement of round 1 under the run config `run`. */
function announcedFit(run: Record<string, unknown>) {
  const global = { specs: [{ name: 'w', shape: [2], dtype: 'float32' as const }], values: new Float32Array(2) };
  const src = { runId: 'r1', coordinatorId: 'c', federationId: 'f', config: parseRunConfig(run), runSpecSha256: '' };
  return trainingAnnouncement(src, {
    round: 1,
    model: encodeModel('mlp', 1, global),
    instructions: [{ clientId: 'a0', config: TEST_FIT_CONFIG }],
    selectedClientIds: ['a0'],
    evaluateClientIds: [],
    deadlineUnixMs: null,
    updateCodec: { kind: 'none' },
    attempt: 1,
  }).fit;
}

describe('training announcements of a hierarchical run', () => {
  it("say how aggregators fold: the strategy's weights (effective examples or examples) and maxUpdateNorm", () => {
    assert.deepEqual(announcedFit({ hierarchical: true, strategy: 'fedavg-effective' }).subFleet, {
      effectiveExamples: true,
      maxUpdateNorm: 0,
    });
    assert.deepEqual(announcedFit({ hierarchical: true, strategy: 'fedprox', maxUpdateNorm: 2.5 }).subFleet, {
      effectiveExamples: false,
      maxUpdateNorm: 2.5,
    });
  });

  it('say nothing of sub-fleets in a flat run', () => {
    assert.equal(announcedFit({ strategy: 'fedavg-effective' }).subFleet, undefined);
  });
});
