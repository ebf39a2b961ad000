import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stopChild } from '../../coordinator/lab/federation/index.js';
import { logLines, spawnClient } from '../helpers/client-processes.js';
import { oneSiteRound, startTestCoordinator, waitFor, waitForRunState } from '../helpers/coordinators.js';
import { Http2FrameRelay } from '../helpers/http2-frame-relay.js';
import { scrape, valueOf } from '../helpers/prometheus.js';

/** Client DATA bytes of one stream past which the relay cuts: a fraction of the MLP update's ~407 KB, far above a unary request. */
const CUT_AFTER_BYTES = 64 * 1024;

describe('a site whose upload is cut off by a dropped connection', () => {
  it('retries on a fresh connection, and the retry is accepted within the same attempt: counted, nothing failed', async () => {
    // Prepare: one site reaching the coordinator through a relay that cuts the first upload mid-stream; one attempt
    // only, so an update that did not get into attempt 1 fails the run
    const c = await startTestCoordinator({ heartbeatIntervalMs: 300 });
    const relay = new Http2FrameRelay();
    const site = spawnClient(await relay.listen(c.address), 0, 3, undefined, ['--metrics-port', '0']);
    relay.cutStreamAfter(CUT_AFTER_BYTES);
    try {
      await waitFor('a live client', () => (c.liveClients() === 1 ? true : undefined), 120_000);
      const run = await c.manager.startRun(oneSiteRound({ roundDeadlineMs: 120_000, maxRoundAttempts: 1 }));
      // Execute
      const s = await waitForRunState(c, run.runId, ['RUN_STATE_COMPLETED', 'RUN_STATE_FAILED']);
      // Assert: the cut happened, and the round counted the site in attempt 1 with no failure
      assert.equal(relay.cuts, 1, 'the relay cut an upload');
      assert.equal(s.state, 'RUN_STATE_COMPLETED', s.error);
      const r1 = s.rounds[0]!;
      assert.equal(r1.attempts, 1);
      assert.equal(r1.responded, 1);
      assert.deepEqual(r1.failures, []);
      // the cut upload and its retry; the retry's connection is new and carried it alone (a channel of its own)
      const [cut, retry] = relay.clientStreams().filter((st) => st.dataBytes > CUT_AFTER_BYTES);
      assert.ok(cut && retry, 'two uploads went through the relay');
      const onRetryConnection = relay.clientStreams().filter((st) => st.connection === retry.connection);
      assert.notEqual(retry.connection, cut.connection);
      assert.deepEqual(onRetryConnection, [retry]);
      // the ack reaches the site's log a moment after the coordinator counted the update
      await waitFor('the ack in the site log', () =>
        logLines(site.stderr(), 'update accepted').length ? true : undefined,
      );
      const log = site.stderr();
      const retries = logLines(log, 'upload failed; retrying on a fresh connection');
      assert.equal(retries.length, 1, 'one retry');
      assert.equal(retries[0]!.attempt, 1);
      assert.equal(retries[0]!.try, 1);
      assert.deepEqual(logLines(log, 'round not completed'), []);
      const url = logLines(log, 'HTTP listening')[0]!.url as string;
      const code = retries[0]!.code as string;
      assert.equal(valueOf(await scrape(`${url}metrics`), 'fedsift_client_upload_retries_total', { code }), 1);
    } finally {
      await stopChild(site.child);
      await relay.close();
      await c.close();
    }
  });
});
