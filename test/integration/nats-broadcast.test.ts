import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { encodeAnnouncement, NatsBroadcaster } from '../../coordinator/broadcast/index.js';
import { ClientRegistry } from '../../coordinator/clients/index.js';
import { NatsRoundSource } from '../../client-node/rounds/index.js';
import { weightingSchema, type WeightingConfig } from '../../shared/config/index.js';
import { roundsStream, roundsSubject, roundsSubjects } from '../../shared/contract/index.js';
import { PayloadTooLargeError } from '../../shared/errors/index.js';
import { silentLogger } from '../../shared/logging/index.js';
import { weightingFromWire, weightingToWire, type RoundAnnouncement } from '../../shared/proto/index.js';
import { waitFor } from '../helpers/coordinators.js';
import { deleteRoundsStreams, NATS_URL, requireNats, testFederationId } from '../helpers/nats.js';

const FEDERATION = testFederationId('broadcast');
const BACKOFF = { initialMs: 50, maxMs: 500 };

const announcement = (
  runId: string,
  round: number,
  weighting?: WeightingConfig,
  federationId = FEDERATION,
): RoundAnnouncement => ({
  runId,
  round,
  phase: 'ROUND_PHASE_FIT',
  modelName: 'cnn',
  modelSha256: 'ab'.repeat(32),
  selectedClientIds: Array.from({ length: 10 }, (_, i) => ClientRegistry.clientIdFor(`demo-site-${i}`)),
  evaluateClientIds: Array.from({ length: 10 }, (_, i) => ClientRegistry.clientIdFor(`demo-site-${i}`)),
  deadlineUnixMs: Date.now() + 120_000,
  fit: {
    localEpochs: 2,
    batchSize: 32,
    learningRate: 0.003,
    proximalMu: 0,
    curriculumStage: 0.7,
    weighting: weighting && weightingToWire(weighting),
  },
  totalRounds: 20,
  attempt: 1,
  coordinatorId: '2f1c7a52-43f4-4a8e-9f3e-4a3c1b7e9d10',
  federationId,
  runSpecSha256: '',
});

describe('NATS round announcements (real server at 127.0.0.1:4222)', () => {
  let broadcaster: NatsBroadcaster;
  before(async () => {
    await requireNats();
    broadcaster = await NatsBroadcaster.connect(NATS_URL, FEDERATION);
  });
  after(async () => {
    await broadcaster?.close();
    await deleteRoundsStreams(FEDERATION);
  });

  it('BR-05: announcements carry metadata only (< 1 KiB for the demo run); an oversize publish fails locally, the connection stays up', async () => {
    // Prepare
    const runId = `run-test-${randomBytes(4).toString('hex')}`;
    const heard: RoundAnnouncement[] = [];
    const source = new NatsRoundSource(NATS_URL, FEDERATION, BACKOFF, silentLogger());
    source.start((a) => a.runId === runId && heard.push(a));
    try {
      // Execute
      const size = encodeAnnouncement(announcement(runId, 1)).byteLength;
      const oversize = await broadcaster.publishRaw(roundsSubject(FEDERATION, runId), new Uint8Array(1_500_000)).then(
        () => undefined,
        (e: unknown) => e,
      );
      await broadcaster.announce(announcement(runId, 2));
      await waitFor('the valid announcement after the oversize one', () => (heard.length ? heard : undefined));
      // Assert
      assert.ok(size < 1024, `announcement is ${size} bytes`);
      assert.equal(broadcaster.maxPayloadBytes, 1_048_576);
      assert.ok(oversize instanceof PayloadTooLargeError);
      assert.equal(oversize.code, 'FS_ERR_PAYLOAD_TOO_LARGE');
      assert.match(oversize.message, /1500000 bytes exceeds the server's max_payload of 1048576 bytes/);
      assert.ok(broadcaster.connected);
      assert.deepEqual(
        heard.map((a) => a.round),
        [2],
      );
    } finally {
      await source.close();
    }
  });

  it('carries the round weighting as a typed message: the client decodes the config the coordinator sent', async () => {
    // Prepare: every optional part on (bootstrap, label correction, curriculum), the largest weighting there is
    const runId = `run-test-${randomBytes(4).toString('hex')}`;
    const weighting = weightingSchema.parse({
      noisyLabels: 'confident-learning',
      correctLabelsAbove: 0.9,
      labelSmoothing: 0.1,
      bootstrap: { beta: 0.8, mode: 'hard' },
      curriculum: { regularizer: 'mixture', pacing: 'root', startFraction: 0.7, fullAt: 0.6 },
    });
    const heard: RoundAnnouncement[] = [];
    const source = new NatsRoundSource(NATS_URL, FEDERATION, BACKOFF, silentLogger());
    source.start((a) => a.runId === runId && heard.push(a));
    try {
      // Execute
      await broadcaster.announce(announcement(runId, 1, weighting));
      const [a] = await waitFor('the weighted announcement', () => (heard.length ? heard : undefined));
      // Assert
      assert.deepEqual(weightingFromWire(a!.fit.weighting), weighting);
      assert.equal(a!.fit.curriculumStage, 0.7);
      const size = encodeAnnouncement(announcement(runId, 1, weighting)).byteLength;
      // JSON spells the enums by name: about 1.1 KiB with 2 × 10 client ids, as with the weighting_json text before
      assert.ok(size < 2048, `weighted announcement is ${size} bytes`);
    } finally {
      await source.close();
    }
  });

  it('tells a client that subscribes mid-run the current round (JetStream, last per subject)', async () => {
    const runId = `run-test-${randomBytes(4).toString('hex')}`;
    for (const r of [1, 2, 3]) await broadcaster.announce(announcement(runId, r));
    const heard: number[] = [];
    const late = new NatsRoundSource(NATS_URL, FEDERATION, BACKOFF, silentLogger());
    late.start((a) => a.runId === runId && heard.push(a.round));
    try {
      await waitFor('the current round', () => (heard.length ? heard : undefined));
      await broadcaster.announce(announcement(runId, 4));
      await waitFor('round 4', () => (heard.includes(4) ? heard : undefined));
      assert.deepEqual(heard, [3, 4]);
    } finally {
      await late.close();
    }
  });

  it('keeps two federations apart on one server: a stream each, and a client hears only its own federation', async () => {
    // Prepare: the same run id in both (run ids are unique per coordinator only); the other federation publishes first
    const other = testFederationId('other');
    const runId = `run-test-${randomBytes(4).toString('hex')}`;
    const otherBroadcaster = await NatsBroadcaster.connect(NATS_URL, other);
    const nc = await connect({ servers: NATS_URL });
    const heard: RoundAnnouncement[] = [];
    const source = new NatsRoundSource(NATS_URL, FEDERATION, BACKOFF, silentLogger());
    try {
      // Execute: one announcement each before the client subscribes (JetStream replays it), one each after
      await otherBroadcaster.announce(announcement(runId, 7, undefined, other));
      await broadcaster.announce(announcement(runId, 1));
      source.start((a) => a.runId === runId && heard.push(a));
      await waitFor('round 1', () => (heard.length ? heard : undefined));
      await otherBroadcaster.announce(announcement(runId, 8, undefined, other));
      await broadcaster.announce(announcement(runId, 2));
      await waitFor('round 2', () => (heard.some((a) => a.round === 2) ? heard : undefined));
      // Assert
      assert.deepEqual(
        heard.map((a) => [a.federationId, a.round]),
        [
          [FEDERATION, 1],
          [FEDERATION, 2],
        ],
      );
      const jsm = await jetstreamManager(nc);
      const [ours, theirs] = await Promise.all([FEDERATION, other].map((f) => jsm.streams.info(roundsStream(f))));
      assert.deepEqual(ours!.config.subjects, [roundsSubjects(FEDERATION)]);
      assert.deepEqual(theirs!.config.subjects, [roundsSubjects(other)]);
      assert.equal(theirs!.state.messages, 2, "the other federation's two announcements, in its own stream");
    } finally {
      await source.close();
      await otherBroadcaster.close();
      await nc.close();
      await deleteRoundsStreams(other);
    }
  });
});
