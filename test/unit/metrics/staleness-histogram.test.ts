import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CoordinatorMetrics } from '../../../coordinator/metrics/index.js';
import type { RoundSummary, RunEvent, RunStatus } from '../../../shared/proto/index.js';
import { testSummary } from '../../helpers/store-records.js';

describe('coordinator metrics of asynchronous runs', () => {
  it("observes every update of a version's staleness histogram in fedsift_update_staleness", async () => {
    // Prepare: version 3 folded two updates of staleness 0 and one of staleness 2
    const metrics = new CoordinatorMetrics(() => 0, { inUseBytes: 0, waiting: 0 });
    const round = {
      ...testSummary(3),
      selected: 3,
      responded: 3,
      clientMetrics: { staleness_0: 2, staleness_1: 0, staleness_2: 1, staleness_mean: 2 / 3 },
    };
    const status = { runId: 'r1', currentRound: 4 } as RunStatus;
    // Execute
    metrics.onRunEvent({ kind: 'RUN_EVENT_KIND_ROUND_COMPLETED', status, round, roundNumber: 4 } as RunEvent);
    const text = await metrics.registry.getSingleMetricAsString('fedsift_update_staleness');
    // Assert: buckets are cumulative; sum = 0 + 0 + 2
    assert.match(text, /fedsift_update_staleness_bucket\{le="0",run="r1"\} 2\n/);
    assert.match(text, /fedsift_update_staleness_bucket\{le="1",run="r1"\} 2\n/);
    assert.match(text, /fedsift_update_staleness_bucket\{le="2",run="r1"\} 3\n/);
    assert.match(text, /fedsift_update_staleness_sum\{run="r1"\} 2\n/);
    assert.match(text, /fedsift_update_staleness_count\{run="r1"\} 3$/m);
  });

  it('observes at most the updates a version folded, and nothing for a summary without staleness_mean', async () => {
    // Prepare: a synchronous round's summary claiming 10¹² updates of staleness 0, and a version of 2 updates
    // claiming 10¹² of staleness 1
    const metrics = new CoordinatorMetrics(() => 0, { inUseBytes: 0, waiting: 0 });
    const sync = { ...testSummary(1), clientMetrics: { staleness_0: 1e12 } };
    const version = { ...testSummary(2), responded: 2, clientMetrics: { staleness_1: 1e12, staleness_mean: 1 } };
    // Execute: each would loop 10¹² times uncapped (the test would not end)
    const at = (round: RoundSummary, runId: string) =>
      metrics.onRunEvent({
        kind: 'RUN_EVENT_KIND_ROUND_COMPLETED',
        status: { runId, currentRound: 2 } as RunStatus,
        round,
        roundNumber: 2,
      } as RunEvent);
    at(sync, 'sync');
    at(version, 'async');
    const text = await metrics.registry.getSingleMetricAsString('fedsift_update_staleness');
    // Assert
    assert.doesNotMatch(text, /run="sync"/);
    assert.match(text, /fedsift_update_staleness_count\{run="async"\} 2$/m);
  });
});
