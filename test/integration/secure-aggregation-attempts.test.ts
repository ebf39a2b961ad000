import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { MAX_CHUNK_BYTES } from '../../shared/codec/index.js';
import { SECAGG_UPDATE_CODEC } from '../../shared/proto/index.js';
import { waitForRunState } from '../helpers/coordinators.js';
import { protocolFixture, refusal, type ProtocolFixture, type TestClient } from '../helpers/protocol.js';
import { fitAnnouncementFor, playSecAggSite, type SecAggSiteSpec } from '../helpers/secagg-sites.js';
import { randomValues } from '../helpers/update-codecs.js';

const PARAMS = 32;
const SECAGG = { numShares: 5, reconstructionThreshold: 3 };

/** A coordinator with 5 joined clients and a 1-round SecAgg+ run (round 1 open), every attempt selecting all five. */
function fixture(run: Record<string, unknown> = {}, secAgg: Record<string, unknown> = {}): Promise<ProtocolFixture> {
  return protocolFixture({
    numParams: PARAMS,
    clients: 5,
    run: {
      secureAggregation: { ...SECAGG, ...secAgg },
      minClients: 3,
      minAvailableClients: 5,
      roundDeadlineMs: 90_000,
      ...run,
    },
  });
}

const siteSpec = (i: number, extra: Partial<SecAggSiteSpec> = {}): SecAggSiteSpec => ({
  delta: randomValues(PARAMS, 200 + i, 0.5),
  numExamples: 100 * (i + 1),
  seed: 11 + i,
  ...extra,
});

/** Every site plays attempt `attempt` of the run, site i as `extra(i)` says; resolves with how each stream ended. */
async function playAll(f: ProtocolFixture, extra: (i: number) => Partial<SecAggSiteSpec>, attempt = 1) {
  const a = await fitAnnouncementFor(f.clients[0]!, f.runId, attempt);
  const play = (c: TestClient, i: number) =>
    playSecAggSite(f.coordinator.address, c, a, f.runtime.specs, siteSpec(i, extra(i)));
  return Promise.all(f.clients.map(play));
}

/** A masked upload of zeros (4(L + 1) bytes, kind "secagg") by client `c` for round 1, attempt `attempt`. */
function zeroMaskedUpload(f: ProtocolFixture, c: TestClient, attempt: number) {
  const codec = { ...SECAGG_UPDATE_CODEC };
  const payload = new Uint8Array(4 * (PARAMS + 1));
  const ref = { runId: f.runId, round: 1, attempt, clientId: c.clientId };
  return { ...ref, numExamples: 100, metrics: {}, specs: f.runtime.specs, payload, codec };
}

const done = ['RUN_STATE_COMPLETED', 'RUN_STATE_FAILED', 'RUN_STATE_STOPPED'] as const;

describe('SecAgg+ attempts', () => {
  it('closes stage 2 at its deadline without a client that never shares its keys; the others aggregate', async () => {
    const f = await fixture({}, { shareKeysTimeoutMs: 500 });
    try {
      const streams = playAll(f, (i) => (i === 1 ? { silentAt: 'shareKeys' } : {}));
      const s = await waitForRunState(f.coordinator, f.runId, [...done]);
      const codes = (await streams).map((e) => e.status.code);
      assert.equal(s.state, 'RUN_STATE_COMPLETED', s.error);
      assert.deepEqual(codes, [0, status.FAILED_PRECONDITION, 0, 0, 0]);
      assert.deepEqual(
        s.rounds[0]!.failures.map((x) => [x.clientId, x.reason]),
        [[f.clients[1]!.clientId, 'shared no keys before the stage deadline']],
      );
    } finally {
      await f.close();
    }
  });

  it('aggregates at the unmask deadline when a survivor never answers stage 4 but enough shares arrived', async () => {
    const f = await fixture({}, { unmaskTimeoutMs: 500 });
    try {
      const streams = playAll(f, (i) => (i === 4 ? { silentAt: 'unmask' } : {}));
      const s = await waitForRunState(f.coordinator, f.runId, [...done]);
      await streams;
      assert.equal(s.state, 'RUN_STATE_COMPLETED', s.error);
      assert.deepEqual([s.rounds[0]!.selected, s.rounds[0]!.responded], [5, 5], 'its masked update counts');
    } finally {
      await f.close();
    }
  });

  it('fails the attempt with the reason when too few survivors answer stage 4', async () => {
    const f = await fixture({ maxRoundAttempts: 1 }, { unmaskTimeoutMs: 500 });
    try {
      const streams = playAll(f, (i) => (i >= 2 ? { silentAt: 'unmask' } : {}));
      const s = await waitForRunState(f.coordinator, f.runId, [...done]);
      await streams;
      assert.equal(s.state, 'RUN_STATE_FAILED');
      assert.match(
        s.error,
        /^SecAgg\+ round 1 attempt 1 failed: .*, 3 needed; nothing was unmasked; no update was revealed$/,
      );
      assert.equal(f.runtime.evaluated.length, 0);
    } finally {
      await f.close();
    }
  });

  it('stopped during stage 4, aggregates nothing and ends every stream ABORTED', async () => {
    const f = await fixture({}, { unmaskTimeoutMs: 60_000 });
    try {
      let unmasking!: () => void;
      const stage4 = new Promise<void>((resolve) => (unmasking = resolve));
      const streams = playAll(f, (i) => (i === 0 ? { silentAt: 'unmask', onSilent: unmasking } : {}));
      await stage4;
      f.coordinator.manager.get(f.runId).stop();
      const s = await waitForRunState(f.coordinator, f.runId, [...done]);
      const ends = await streams;
      assert.equal(s.state, 'RUN_STATE_STOPPED', s.error);
      assert.equal(s.rounds.length, 0, 'no round was aggregated');
      assert.equal(f.runtime.evaluated.length, 0);
      assert.equal(ends[0]!.status.code, status.ABORTED);
      assert.match(ends[0]!.status.details, /the run was stopped/);
    } finally {
      await f.close();
    }
  });

  it("refuses a late masked upload of attempt 1 during attempt 2, and takes the client's own", async () => {
    const f = await fixture({ maxRoundAttempts: 2 }, { advertiseKeysTimeoutMs: 300 });
    try {
      // Attempt 1: nobody advertises keys before stage 1's deadline, so it fails; attempt 2 opens.
      await fitAnnouncementFor(f.clients[0]!, f.runId, 2);
      const c = f.clients[0]!;
      const stale = zeroMaskedUpload(f, c, 1);
      const refused = await refusal(c.link.submitUpdate(stale, MAX_CHUNK_BYTES));
      assert.equal(refused?.code, status.FAILED_PRECONDITION);
      assert.match(refused!.details, /masked update for attempt 1 of round 1, but attempt 2 is open/);
      const ends = await playAll(f, () => ({}), 2);
      const s = await waitForRunState(f.coordinator, f.runId, [...done]);
      assert.equal(s.state, 'RUN_STATE_COMPLETED', s.error);
      assert.deepEqual(
        ends.map((e) => e.status.code),
        [0, 0, 0, 0, 0],
      );
      assert.deepEqual([s.rounds[0]!.attempts, s.rounds[0]!.responded], [2, 5]);
    } finally {
      await f.close();
    }
  });

  it('refuses with INVALID_ARGUMENT a masked upload from a client that never shared its keys', async () => {
    const f = await fixture({}, { shareKeysTimeoutMs: 500 });
    try {
      // Site 1 never shares (dropped at stage 2's deadline); site 4 never uploads, so stage 3 stays open.
      const a = await fitAnnouncementFor(f.clients[0]!, f.runId);
      const silent = (i: number): Partial<SecAggSiteSpec> =>
        i === 1 ? { silentAt: 'shareKeys' } : i === 4 ? { silentAt: 'maskedInput' } : {};
      const playing = f.clients.map((c, i) =>
        playSecAggSite(f.coordinator.address, c, a, f.runtime.specs, siteSpec(i, silent(i))),
      );
      const c = f.clients[1]!;
      const dropped = await playing[1]!; // its stream ends once stage 2's deadline put it out
      assert.equal(dropped.status.code, status.FAILED_PRECONDITION);
      const upload = zeroMaskedUpload(f, c, 1);
      const refused = await refusal(c.link.submitUpdate(upload, MAX_CHUNK_BYTES));
      assert.equal(refused?.code, status.INVALID_ARGUMENT, refused?.details);
      assert.match(refused!.details, /is out of SecAgg\+ round 1 attempt 1: shared no keys before the stage deadline/);
      f.coordinator.manager.get(f.runId).stop();
      await Promise.all(playing);
      assert.equal((await waitForRunState(f.coordinator, f.runId, [...done])).state, 'RUN_STATE_STOPPED');
    } finally {
      await f.close();
    }
  });

  it('refuses a second SecureAggregation stream of one client with INVALID_ARGUMENT; its first plays on', async () => {
    const f = await fixture();
    try {
      const a = await fitAnnouncementFor(f.clients[0]!, f.runId);
      const play = (c: TestClient, i: number) =>
        playSecAggSite(f.coordinator.address, c, a, f.runtime.specs, siteSpec(i));
      const [ends, twin] = await Promise.all([Promise.all(f.clients.map(play)), play(f.clients[0]!, 0)]);
      const s = await waitForRunState(f.coordinator, f.runId, [...done]);
      assert.equal(s.state, 'RUN_STATE_COMPLETED', s.error);
      const codes = [ends[0]!.status, twin.status].sort((x, y) => x.code - y.code);
      assert.deepEqual(
        codes.map((x) => x.code),
        [status.OK, status.INVALID_ARGUMENT],
      );
      assert.match(codes[1]!.details, /has a SecureAggregation stream for SecAgg\+ round 1 attempt 1 already/);
      assert.equal(s.rounds[0]!.responded, 5);
    } finally {
      await f.close();
    }
  });

  it('applies the FedAvgM server step to the unmasked mean: g + η·Δ̄ in the first round', async () => {
    const eta = 0.5;
    const f = await fixture({ strategy: { name: 'fedavgm', serverLearningRate: eta } });
    try {
      await playAll(f, () => ({}));
      const s = await waitForRunState(f.coordinator, f.runId, [...done]);
      assert.equal(s.state, 'RUN_STATE_COMPLETED', s.error);
      const g = (await f.runtime.initialWeights()).values;
      const n = [0, 1, 2, 3, 4].reduce((t, i) => t + siteSpec(i).numExamples, 0);
      const actual = f.runtime.evaluated[0]!.values;
      for (let j = 0; j < PARAMS; j++) {
        const mean = [0, 1, 2, 3, 4].reduce((t, i) => t + (siteSpec(i).numExamples / n) * siteSpec(i).delta[j]!, 0);
        assert.ok(Math.abs(actual[j]! - (g[j]! + eta * mean)) < 1e-3, `parameter ${j}: ${actual[j]} vs g + η·Δ̄`);
      }
    } finally {
      await f.close();
    }
  });
});
