import assert from 'node:assert/strict';
import { status, type ServiceError } from '@grpc/grpc-js';
import { describe, it } from 'node:test';
import { MAX_CHUNK_BYTES } from '../../shared/codec/index.js';
import { CURRENT_ROUND_METADATA_KEY, errorCodeOf } from '../../shared/grpc-errors/index.js';
import { CoordinatorLink } from '../../client-node/link/index.js';
import { DEFAULT_TRANSPORT } from '../../shared/config/index.js';
import { waitForRound, waitForRunState } from '../helpers/coordinators.js';
import { protocolFixture, update, type ProtocolFixture, type TestClient } from '../helpers/protocol.js';

const submit = (f: ProtocolFixture, c: TestClient, round: number, values: number[], n = 1) =>
  c.link.submitUpdate(update(f, c, round, new Float32Array(values), n), MAX_CHUNK_BYTES).then(
    (ack) => ({ ack, err: undefined }),
    (err: ServiceError) => ({ ack: undefined, err }),
  );

describe('update validation: a bad update is refused with a reason and the round goes on', () => {
  it('refuses a metric named staleness_<τ> (INVALID_ARGUMENT naming it): a sync run ends promptly, no staleness observed', async () => {
    // Prepare: two clients, one update needed
    const f = await protocolFixture({ numParams: 2, clients: 2, run: { minClients: 1 } });
    try {
      const [a, b] = f.clients as [TestClient, TestClient];
      const forged = { ...update(f, a, 1, new Float32Array([1, 1])), metrics: { train_loss: 1, staleness_0: 1e12 } };
      // Execute: a claims 10¹² updates of staleness 0 (each once a loop step of the metrics), b sends a plain update
      const err = await a.link.submitUpdate(forged, MAX_CHUNK_BYTES).then(
        () => undefined,
        (e: ServiceError) => e,
      );
      await submit(f, b, 1, [3, 3]);
      const s = await waitForRunState(f.coordinator, f.runId, ['RUN_STATE_COMPLETED', 'RUN_STATE_FAILED']);
      // Assert
      assert.equal(err?.code, status.INVALID_ARGUMENT, String(err));
      assert.match(err.details, /metric staleness_0 is reserved/);
      assert.equal(s.state, 'RUN_STATE_COMPLETED', s.error);
      assert.equal(s.rounds[0]!.clientMetrics.staleness_0, undefined);
      assert.doesNotMatch(await f.coordinator.metrics.expose(), /fedsift_update_staleness_count/);
    } finally {
      await f.close();
    }
  });

  it('BR-08: a non-finite update is rejected and the others give global = [2.5, 2.5]', async () => {
    // Prepare: A n=100 w=[1,1]; B n=300 w=[3,3]; C n=200 w=[NaN,0]
    const f = await protocolFixture({ numParams: 2, clients: 3, run: { minClients: 2, rounds: 2 } });
    try {
      const [a, b, c] = f.clients as [TestClient, TestClient, TestClient];
      // Execute
      const rc = await submit(f, c, 1, [NaN, 0], 200);
      await submit(f, a, 1, [1, 1], 100);
      await submit(f, b, 1, [3, 3], 300);
      const s = await waitForRound(f.coordinator, f.runId, 2);
      // Assert
      assert.equal(rc.err?.code, status.INVALID_ARGUMENT);
      assert.match(rc.err!.details, /non-finite parameters/);
      assert.equal(errorCodeOf(rc.err!), 'FS_ERR_INVALID_UPDATE');
      assert.deepEqual([...f.runtime.evaluated[0]!.values], [2.5, 2.5]);
      assert.deepEqual(
        s.rounds[0]!.failures.map((x) => x.clientId),
        [c.clientId],
      );
      // C is still selected and accepted in round 2
      assert.equal((await submit(f, c, 2, [0, 0], 200)).ack?.accepted, true);
    } finally {
      await f.close();
    }
  });

  it('BR-09: a stale update is refused with ABORTED carrying the current round, and the next round accepts it', async () => {
    const f = await protocolFixture({ numParams: 2, clients: 2, run: { minClients: 1, rounds: 3 } });
    try {
      const [x, y] = f.clients as [TestClient, TestClient];
      await submit(f, x, 1, [1, 1]);
      await submit(f, y, 1, [1, 1]);
      await waitForRound(f.coordinator, f.runId, 2);
      // Execute: X sends a late round-1 update while round 2 is open
      const stale = await submit(f, x, 1, [9, 9]);
      // Assert
      assert.equal(stale.err?.code, status.ABORTED);
      assert.equal(stale.err!.metadata.get(CURRENT_ROUND_METADATA_KEY)[0], '2');
      assert.match(stale.err!.details, /current round is 2/);
      assert.equal((await submit(f, x, 2, [2, 2])).ack?.accepted, true);
      await submit(f, y, 2, [2, 2]);
      await waitForRound(f.coordinator, f.runId, 3);
      assert.deepEqual([...f.runtime.evaluated[1]!.values], [2, 2], 'round 2 excludes the stale update');
    } finally {
      await f.close();
    }
  });

  it('refuses wrong shapes, names and dtypes, extra bytes, a second different update, a client not selected and an unknown run', async () => {
    const f = await protocolFixture({ numParams: 2, clients: 3, run: { minClients: 2 } });
    const outsider = new CoordinatorLink(f.coordinator.address, DEFAULT_TRANSPORT);
    try {
      const [a, b, c] = f.clients as [TestClient, TestClient, TestClient];
      const u = update(f, a, 1, new Float32Array(3));
      const wrongShape = await a.link
        .submitUpdate(
          { ...u, weights: { ...u.weights, specs: [{ name: 'fixed/kernel', shape: [3], dtype: 'float32' }] } },
          MAX_CHUNK_BYTES,
        )
        .then(
          () => undefined,
          (err: ServiceError) => err,
        );
      assert.equal(wrongShape?.code, status.INVALID_ARGUMENT);
      assert.match(wrongShape!.details, /expected fixed\/kernel float32\[2\], got fixed\/kernel float32\[3\]/);
      const specsOf = (spec: { name: string; shape: number[]; dtype: string }) =>
        a.link
          .submitUpdate({ ...u, weights: { values: new Float32Array(2), specs: [spec as never] } }, MAX_CHUNK_BYTES)
          .then(
            () => undefined,
            (err: ServiceError) => err,
          );
      const wrongName = await specsOf({ name: 'other/kernel', shape: [2], dtype: 'float32' });
      assert.equal(wrongName?.code, status.INVALID_ARGUMENT);
      assert.match(wrongName!.details, /got other\/kernel/);
      const wrongDtype = await specsOf({ name: 'fixed/kernel', shape: [2], dtype: 'float16' });
      assert.equal(wrongDtype?.code, status.INVALID_ARGUMENT);
      assert.match(wrongDtype!.details, /dtype "float16" is not supported/);

      const inflated = await submit(f, a, 1, [1, 1], 5000);
      assert.equal(inflated.err?.code, status.INVALID_ARGUMENT);
      assert.match(inflated.err!.details, /num_examples 5000 exceeds the 1000 examples the client declared at Join/);

      const tooMany = await submit(f, a, 1, [1, 2, 3]);
      assert.equal(tooMany.err?.code, status.INVALID_ARGUMENT);
      assert.match(tooMany.err!.details, /update declares 12 bytes, a none update of the model takes 8/);

      assert.equal((await submit(f, b, 1, [1, 1])).ack?.accepted, true);
      const dup = await submit(f, b, 1, [5, 5]);
      assert.equal(dup.err?.code, status.ALREADY_EXISTS);

      const { clientId } = await outsider.join({
        siteId: 'outsider',
        token: '',
        capabilities: { numExamples: 1000, backend: '', numFeatures: 784, numLabelClasses: 10, schemaSha256: '' },
      });
      const notSelected = await submit(f, { link: outsider, clientId }, 1, [1, 1]);
      assert.equal(notSelected.err?.code, status.PERMISSION_DENIED);

      const fetchUnknown = await a.link.fetchModel('run-nope', 1, a.clientId).catch((e: ServiceError) => e);
      assert.equal((fetchUnknown as ServiceError).code, status.NOT_FOUND);
      const fetchStale = await a.link.fetchModel(f.runId, 7, a.clientId).catch((e: ServiceError) => e);
      assert.equal((fetchStale as ServiceError).code, status.ABORTED);
      assert.match((fetchStale as ServiceError).details, /current round is 1/);

      const unknown = await a.link
        .submitUpdate({ ...update(f, a, 1, new Float32Array(2)), runId: 'run-nope' }, MAX_CHUNK_BYTES)
        .catch((e: ServiceError) => e);
      assert.equal((unknown as ServiceError).code, status.NOT_FOUND);

      assert.equal((await submit(f, c, 1, [3, 3])).ack?.accepted, true);
      const s = await waitForRunState(f.coordinator, f.runId, ['RUN_STATE_COMPLETED']);
      assert.equal(s.rounds[0]!.responded, 2);
      assert.deepEqual([...f.runtime.evaluated[0]!.values], [2, 2]);
      assert.match(s.rounds[0]!.failures.find((x) => x.clientId === a.clientId)!.reason, /expected fixed\/kernel/);
      const metrics = await f.coordinator.metrics.expose();
      const rejected = (run: string, reason: string) =>
        Number(
          metrics.match(new RegExp(`fedsift_updates_rejected_total\\{run="${run}",reason="${reason}"\\} (\\d+)`))?.[1],
        );
      assert.equal(rejected(f.runId, 'invalid_update'), 5);
      assert.equal(rejected(f.runId, 'duplicate_update'), 1);
      assert.equal(rejected(f.runId, 'not_selected'), 1);
      assert.equal(rejected('run-nope', 'unknown_run'), 1);
      assert.deepEqual(await f.coordinator.metrics.rejectionsOf(f.runId), {
        invalid_update: 5,
        duplicate_update: 1,
        not_selected: 1,
      });
    } finally {
      outsider.close();
      await f.close();
    }
  });

  it('refuses an update further than maxUpdateNorm from the global model, counted as update_norm', async () => {
    // Prepare: initial global [0, 1] (FixedModelRuntime: i mod 7); bound 5.
    const f = await protocolFixture({ numParams: 2, clients: 3, run: { minClients: 2, maxUpdateNorm: 5 } });
    try {
      const [a, b, c] = f.clients as [TestClient, TestClient, TestClient];
      // Execute: ‖[30, 41] − [0, 1]‖ = 50 > 5; ‖[3, 5] − [0, 1]‖ = 5 (on the bound) and [1, 1] are accepted.
      const far = await submit(f, a, 1, [30, 41]);
      await submit(f, b, 1, [3, 5]);
      await submit(f, c, 1, [1, 1]);
      const s = await waitForRunState(f.coordinator, f.runId, ['RUN_STATE_COMPLETED']);
      // Assert
      assert.equal(far.err?.code, status.INVALID_ARGUMENT);
      assert.match(far.err!.details, /update norm 50\.00 exceeds the run's maxUpdateNorm 5/);
      assert.equal(errorCodeOf(far.err!), 'FS_ERR_UPDATE_NORM');
      assert.deepEqual([...f.runtime.evaluated[0]!.values], [2, 3]);
      assert.equal(s.rounds[0]!.responded, 2);
      assert.deepEqual(await f.coordinator.metrics.rejectionsOf(f.runId), { update_norm: 1 });
    } finally {
      await f.close();
    }
  });
});
