import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { MAX_CHUNK_BYTES } from '../../shared/codec/index.js';
import type { ClientCapabilities, SubFleetUpdate } from '../../shared/proto/index.js';
import { AdminClient, formatRunStatus } from '../../coordinator/operator/index.js';
import { FixedModelRuntime } from '../helpers/fixed-runtime.js';
import { startTestCoordinator, waitForRound, waitForRunState } from '../helpers/coordinators.js';
import { joinProtocolClient, refusal, TEST_CAPABILITIES, type TestClient } from '../helpers/protocol.js';
import { fitAnnouncementFor } from '../helpers/secagg-sites.js';

const PARAMS = 4;

/** How an aggregator joins: one participant standing for its sub-fleet, no data of its own. */
const AGGREGATOR: ClientCapabilities = {
  numExamples: 0,
  backend: 'none',
  numFeatures: 0,
  numLabelClasses: 0,
  schemaSha256: '',
  aggregator: true,
};

/** Submits `client`'s round-`round` update of all-`value` parameters for `numExamples`, with `subFleet` if given. */
function submit(
  runId: string,
  runtime: FixedModelRuntime,
  client: TestClient,
  o: { round: number; value: number; numExamples: number; subFleet?: SubFleetUpdate },
) {
  const { round, value, numExamples, subFleet } = o;
  const weights = { specs: runtime.specs, values: new Float32Array(PARAMS).fill(value) };
  const update = { runId, round, clientId: client.clientId, numExamples, metrics: { train_loss: 1 }, weights };
  return client.link.submitUpdate({ ...update, ...(subFleet && { subFleet }) }, MAX_CHUNK_BYTES);
}

describe('hierarchical runs at the coordinator (aggregators as participants)', () => {
  it("folds an aggregator's update with a site's, counts the client updates behind it, and keeps the counts", async () => {
    // Prepare: a site (1,000 examples) and an aggregator; a hierarchical run of both, state kept on disk
    const stateDir = mkdtempSync(join(tmpdir(), 'fedsift-hierarchy-'));
    const runtime = new FixedModelRuntime(PARAMS);
    const first = await startTestCoordinator({ stateDir }, { runtime });
    const site = await joinProtocolClient(first.address, 'site-0', { ...TEST_CAPABILITIES, numExamples: 1_000 });
    const aggregator = await joinProtocolClient(first.address, 'aggregator-0', AGGREGATOR);
    const { runId } = await first.manager.startRun({
      rounds: 2,
      clientsPerRound: 2,
      minClients: 2,
      roundDeadlineMs: 60_000,
      model: 'mlp',
      hierarchical: true,
      maxUpdateNorm: 100,
    });
    const lost = { clientId: 'c-gone', reason: 'client lost' };
    let second: Awaited<ReturnType<typeof startTestCoordinator>> | undefined;
    const admin: AdminClient[] = [];
    try {
      // Execute: round 1; the aggregator's first update forgets sub_fleet, its second stands for 3 clients
      const announced = await fitAnnouncementFor(aggregator, runId);
      const forgot = await refusal(submit(runId, runtime, aggregator, { round: 1, value: 3, numExamples: 3_000 }));
      await submit(runId, runtime, aggregator, {
        round: 1,
        value: 3,
        numExamples: 3_000,
        subFleet: { clients: 3, failed: 2, failures: [lost] },
      });
      await submit(runId, runtime, site, { round: 1, value: 1, numExamples: 1_000 });
      const running = await waitForRound(first, runId, 2);
      await first.close();
      second = await startTestCoordinator({ stateDir }, { runtime: new FixedModelRuntime(PARAMS) });
      admin.push(new AdminClient(second.address));
      const restored = await admin[0]!.getRun(runId);

      // Assert: the fold rule announced; the refusal; (1,000·1 + 3,000·3) / 4,000 = 2.5; the counts, kept
      assert.deepEqual(announced.fit.subFleet, { effectiveExamples: false, maxUpdateNorm: 100 });
      assert.deepEqual([...announced.selectedClientIds].sort(), [site.clientId, aggregator.clientId].sort());
      assert.equal(forgot?.code, GrpcStatus.INVALID_ARGUMENT);
      assert.match(forgot!.details, /sub_fleet: missing/);
      assert.deepEqual([...runtime.evaluated[0]!.values], [2.5, 2.5, 2.5, 2.5]);
      for (const s of [running, restored]) {
        const r = s.rounds[0]!;
        assert.deepEqual([r.responded, r.clientUpdates, r.subFleetFailed], [2, 4, 2]);
        assert.deepEqual(r.failures, [{ clientId: `${aggregator.clientId}/c-gone`, reason: 'client lost' }]);
      }
      assert.match(formatRunStatus(restored), /\n1\/2 +2\/2 .* 4 client updates, 2 failed behind aggregators$/m);
    } finally {
      admin.forEach((a) => a.close());
      site.link.close();
      aggregator.link.close();
      await first.close();
      await second?.close();
      rmSync(stateDir, { recursive: true, force: true });
    }
  });

  it('never selects an aggregator in a flat run, announces no fold rule, and refuses sub_fleet from a site', async () => {
    // Prepare: a site and an aggregator live; a flat run that would take both
    const runtime = new FixedModelRuntime(PARAMS);
    const c = await startTestCoordinator({}, { runtime });
    const site = await joinProtocolClient(c.address, 'site-0', { ...TEST_CAPABILITIES, numExamples: 1_000 });
    const aggregator = await joinProtocolClient(c.address, 'aggregator-0', AGGREGATOR);
    try {
      const { runId } = await c.manager.startRun({ rounds: 1, clientsPerRound: 2, minClients: 1, model: 'mlp' });

      // Execute
      const announced = await fitAnnouncementFor(site, runId);
      const subFleet = { clients: 2, failed: 0, failures: [] };
      const err = await refusal(submit(runId, runtime, site, { round: 1, value: 1, numExamples: 10, subFleet }));

      // Assert: only the site selected; the update refused, and the run goes on (the site failed attempt 1)
      assert.deepEqual(announced.selectedClientIds, [site.clientId]);
      assert.equal(announced.fit.subFleet, null);
      assert.equal(err?.code, GrpcStatus.INVALID_ARGUMENT);
      assert.match(err!.details, /sub_fleet: only an aggregator/);
      const retry = await fitAnnouncementFor(site, runId, 2);
      assert.deepEqual(retry.selectedClientIds, [site.clientId]);
      await submit(runId, runtime, site, { round: 1, value: 1, numExamples: 10 });
      const done = await waitForRunState(c, runId, ['RUN_STATE_COMPLETED']);
      assert.deepEqual([done.rounds[0]!.responded, done.rounds[0]!.clientUpdates], [1, 1]);
    } finally {
      site.link.close();
      aggregator.link.close();
      await c.close();
    }
  });
});
