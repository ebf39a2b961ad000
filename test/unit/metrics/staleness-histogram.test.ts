import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CoordinatorMetrics } from '../../../coordinator/metrics/index.js';
import type { RunEvent, RunStatus } from '../../../shared/proto/index.js';
import { testSummary } from '../../helpers/store-records.js';

describe('coordinator metrics of asynchronous runs', () => {
  it("observes every update of a version's staleness histogram in fedsift_update_staleness", async () => {
    // Prepare: version 3 folded two updates of staleness 0 and one of staleness 2
    const metrics = new CoordinatorMetrics(() => 0, { inUseBytes: 0, waiting: 0 });
    const round = {
      ...testSummary(3),
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
});
