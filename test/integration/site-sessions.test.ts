import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { status, type ClientWritableStream, type ServiceError } from '@grpc/grpc-js';
import { CoordinatorLink } from '../../client-node/link/index.js';
import { float32ToBytes, MAX_CHUNK_BYTES, sha256Hex } from '../../shared/codec/index.js';
import { DEFAULT_TRANSPORT } from '../../shared/config/index.js';
import { errorCodeOf } from '../../shared/grpc-errors/index.js';
import { specsToWire, type UpdateAck, type UpdateChunk } from '../../shared/proto/index.js';
import { formatRunStatus } from '../../coordinator/operator/index.js';
import { startTestCoordinator, waitFor, waitForRunState } from '../helpers/coordinators.js';
import {
  protocolFixture,
  rawCoordinatorStub,
  refusal,
  TEST_CAPABILITIES,
  update,
  type ProtocolFixture,
  type TestClient,
} from '../helpers/protocol.js';

/** Long enough that no daemon of these tests lapses between its calls, however loaded the machine. */
const CLIENT_TIMEOUT_MS = 600_000;

/** Capabilities of the test daemons: 1,000 examples, as the fixture's sites declare. */
const CAPABILITIES = { ...TEST_CAPABILITIES, numExamples: 1000 };

/** A daemon (its own connection and session) joining as `siteId`, taking the site over when `takeover`. */
async function daemon(address: string, siteId: string, takeover: boolean): Promise<TestClient> {
  const link = new CoordinatorLink(address, DEFAULT_TRANSPORT);
  after(() => link.close());
  const { clientId } = await link.join({ siteId, token: '', capabilities: CAPABILITIES, takeover });
  return { link, clientId };
}

/** Sites protocol-site-0 and -1 (256-parameter model) in round 1 of a one-round run; closed after the test. */
async function twoSites(): Promise<ProtocolFixture> {
  const f = await protocolFixture({
    numParams: 256,
    clients: 2,
    coordinator: { clientTimeoutMs: CLIENT_TIMEOUT_MS },
    run: { roundDeadlineMs: 300_000 },
  });
  after(() => f.close());
  return f;
}

/** Asserts that `err` is the gRPC refusal with `code` (status) and `fsCode` (fedsift code) whose details match `text`. */
function assertRefused(err: ServiceError | undefined, code: status, fsCode: string, text: RegExp): void {
  assert.ok(err, `expected a ${fsCode} refusal, the call succeeded`);
  assert.equal(err.code, code, err.details);
  assert.equal(errorCodeOf(err), fsCode);
  assert.match(err.details, text);
}

/** An evaluation report of round 1 by `client` with `numExamples` and `accuracy`. */
const evaluation = (f: ProtocolFixture, client: TestClient, numExamples: number, accuracy: number) => ({
  runId: f.runId,
  round: 1,
  clientId: client.clientId,
  numExamples,
  loss: 1 - accuracy,
  metrics: { accuracy },
});

describe('one site, two daemons', () => {
  it('refuses a second daemon while the first is live, naming the site, its peer and --takeover; the first goes on', async () => {
    // Prepare
    const c = await startTestCoordinator({ clientTimeoutMs: CLIENT_TIMEOUT_MS });
    after(() => c.close());
    const first = await daemon(c.address, 'hospital-a', false);
    const run = await c.manager.startRun({ rounds: 1, minAvailableClients: 2, model: 'mlp' });
    // Execute
    const refused = await refusal(daemon(c.address, 'hospital-a', false));
    // Assert
    assertRefused(
      refused as ServiceError,
      status.ALREADY_EXISTS,
      'FS_ERR_SITE_IN_USE',
      /site "hospital-a" already has a live daemon \(peer 127\.0\.0\.1:\d+, heard [\d.]+ s ago\).*in [\d.]+ s at the earliest: stop it, or start this one with --takeover/,
    );
    await first.link.heartbeat(first.clientId); // the first daemon still speaks for the site
    assert.equal(c.liveClients(), 1);
    const s = c.manager.get(run.runId).status();
    assert.deepEqual(
      s.siteConflicts?.map(({ siteId, refusedJoins, takeovers }) => ({ siteId, refusedJoins, takeovers })),
      [{ siteId: 'hospital-a', refusedJoins: 1, takeovers: 0 }],
    );
    assert.match(
      formatRunStatus(s),
      /sites with a second daemon: hospital-a \(1 join refused, 0 takeovers; held from 127\.0\.0\.1:\d+\)/,
    );
    assert.match(await c.metrics.expose(), /fedsift_site_join_conflicts_total\{outcome="refused"\} 1/);
  });

  it('takeover cuts the first daemon off: its calls, and an upload it had under way, are refused', async () => {
    // Prepare: site 0's first daemon has begun an upload (header taken, bytes not sent yet)
    const f = await twoSites();
    const [first] = f.clients as [TestClient, TestClient];
    const u = update(f, first, 1, new Float32Array(256).fill(1), 10);
    const bytes = float32ToBytes(u.weights.values);
    const header = {
      ...u,
      tensors: specsToWire(u.weights.specs),
      totalBytes: bytes.byteLength,
      sha256: sha256Hex(bytes),
    };
    const stub = rawCoordinatorStub<{
      SubmitUpdate(cb: (err: ServiceError | null, ack?: UpdateAck) => void): ClientWritableStream<UpdateChunk>;
    }>(f.coordinator.address, first.link);
    after(() => stub.close());
    let answered!: (err: ServiceError | null) => void;
    const upload = new Promise<ServiceError | null>((resolve) => (answered = resolve));
    const call = stub.SubmitUpdate((err) => answered(err));
    call.write({ header });
    await waitFor('the upload under way', () => (f.coordinator.uploads.inUseBytes > 0 ? true : undefined));
    // Execute
    const second = await daemon(f.coordinator.address, 'protocol-site-0', true);
    call.end({ data: bytes });
    // Assert
    assert.equal(second.clientId, first.clientId, 'one client id per site');
    const takenOver = [
      status.PERMISSION_DENIED,
      'FS_ERR_SITE_TAKEN_OVER',
      /site "protocol-site-0" is held by another daemon/,
    ] as const;
    assertRefused((await upload) ?? undefined, ...takenOver);
    assertRefused(await refusal(first.link.heartbeat(first.clientId)), ...takenOver);
    assertRefused(await refusal(first.link.fetchModel(f.runId, 1, first.clientId)), ...takenOver);
    assertRefused(await refusal(first.link.reportEvaluation(evaluation(f, first, 100, 0.5))), ...takenOver);
    assertRefused(
      await refusal(first.link.join({ siteId: 'protocol-site-0', token: '', capabilities: CAPABILITIES })),
      status.ALREADY_EXISTS,
      'FS_ERR_SITE_IN_USE',
      /protocol-site-0/,
    );
    await second.link.heartbeat(second.clientId);
    assert.equal(f.coordinator.manager.get(f.runId).status().siteConflicts?.[0]?.takeovers, 1);
    assert.match(await f.coordinator.metrics.expose(), /fedsift_site_join_conflicts_total\{outcome="takeover"\} 1/);
  });

  it('counts the site once in a round both daemons reported in: the first evaluation and update count', async () => {
    // Prepare: site 0's first daemon reports its evaluation and update of round 1
    const f = await twoSites();
    const [first, other] = f.clients as [TestClient, TestClient];
    const values = (v: number) => new Float32Array(256).fill(v);
    await first.link.reportEvaluation(evaluation(f, first, 100, 0.2));
    await first.link.submitUpdate(
      { ...update(f, first, 1, values(1), 10), metrics: { train_loss: 1 } },
      MAX_CHUNK_BYTES,
    );
    // Execute: a second daemon takes the site over and reports its own, then the other site delivers
    const second = await daemon(f.coordinator.address, 'protocol-site-0', true);
    const secondEvaluation = await refusal(second.link.reportEvaluation(evaluation(f, second, 900, 1)));
    const secondUpdate = await refusal(
      second.link.submitUpdate(
        { ...update(f, second, 1, values(5), 1000), metrics: { train_loss: 5 } },
        MAX_CHUNK_BYTES,
      ),
    );
    await other.link.reportEvaluation(evaluation(f, other, 100, 0.6));
    await other.link.submitUpdate(
      { ...update(f, other, 1, values(3), 30), metrics: { train_loss: 3 } },
      MAX_CHUNK_BYTES,
    );
    const done = await waitForRunState(f.coordinator, f.runId, ['RUN_STATE_COMPLETED', 'RUN_STATE_FAILED']);
    // Assert
    assertRefused(
      secondEvaluation,
      status.ALREADY_EXISTS,
      'FS_ERR_DUPLICATE_EVALUATION',
      /already reported a different evaluation of round 1; the first one counts/,
    );
    assertRefused(
      secondUpdate,
      status.ALREADY_EXISTS,
      'FS_ERR_DUPLICATE_UPDATE',
      /already submitted a different update for round 1; the first one counts/,
    );
    assert.equal(done.state, 'RUN_STATE_COMPLETED', done.error);
    const round = done.rounds[0]!;
    assert.equal(round.selected, 2);
    assert.equal(round.responded, 2, 'two sites, two updates');
    // (1·10 + 3·30) / 40: the first daemon's update with its 10 examples, not the second's 1,000
    assert.ok(Math.abs(round.trainLoss - 2.5) < 1e-9, `train loss ${round.trainLoss}`);
    // (0.2·100 + 0.6·100) / 200: the first evaluation of site 0
    assert.ok(Math.abs(round.federatedAccuracy - 0.4) < 1e-9, `federated accuracy ${round.federatedAccuracy}`);
  });
});
