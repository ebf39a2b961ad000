import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { AttemptTracker } from '../../client-node/daemon/attempt-tracker.js';
import { submitToOpenAttempt } from '../../client-node/daemon/late-submission.js';
import { MAX_CHUNK_BYTES } from '../../shared/codec/index.js';
import { silentLogger } from '../../shared/logging/index.js';
import type { RoundAnnouncement } from '../../shared/proto/index.js';
import { createRng } from '../../shared/random/index.js';
import { waitForRunState } from '../helpers/coordinators.js';
import { protocolFixture, refusal, update, type TestClient } from '../helpers/protocol.js';

/** The first FIT announcement the coordinator's WatchRounds stream gives `site` (the call is then cancelled). */
async function firstFit(site: TestClient): Promise<RoundAnnouncement> {
  const call = site.link.watchRounds(site.clientId);
  try {
    for await (const a of call as AsyncIterable<RoundAnnouncement>) if (a.phase === 'ROUND_PHASE_FIT') return a;
    throw new Error('WatchRounds ended without a FIT announcement');
  } finally {
    call.cancel();
  }
}

describe('upload retries of a daemon (real gRPC on loopback)', () => {
  it('does not retry a refusal of the update itself (INVALID_ARGUMENT): one try, that refusal thrown, no retry counted', async () => {
    // Prepare: one site, 1,000 examples declared at Join; round 1 open
    const f = await protocolFixture({ numParams: 256, clients: 1, run: { minClients: 1, maxRoundAttempts: 1 } });
    try {
      const site = f.clients[0]!;
      const announced = await firstFit(site);
      const attempts = new AttemptTracker();
      attempts.observe(announced);
      const tries: boolean[] = [];
      const retried: status[] = [];
      const tooManyExamples = update(f, site, 1, new Float32Array(256), 1_001);
      // Execute
      const err = await refusal(
        submitToOpenAttempt(
          {
            attempts,
            clientId: site.clientId,
            isClosed: () => false,
            submit: (u, deadlineUnixMs, fresh) => {
              tries.push(fresh);
              return site.link.submitUpdate(u, MAX_CHUNK_BYTES, deadlineUnixMs, { freshConnection: fresh });
            },
            retry: { initialMs: 10, maxMs: 10, random: createRng(1).next },
            onRetry: (code) => retried.push(code),
            log: silentLogger(),
          },
          tooManyExamples,
          announced,
        ),
      );
      // Assert: refused once; the coordinator failed the site for the round (so the run fails below quorum)
      assert.equal(err?.code, status.INVALID_ARGUMENT, `got ${err?.code} ${err?.details}`);
      assert.match(err!.details, /exceeds the 1000 examples/);
      assert.deepEqual(tries, [false], 'one try, on the link’s own connection');
      assert.deepEqual(retried, []);
      const s = await waitForRunState(f.coordinator, f.runId, ['RUN_STATE_FAILED']);
      assert.match(s.error, /exceeds the 1000 examples/);
    } finally {
      await f.close();
    }
  });
});
