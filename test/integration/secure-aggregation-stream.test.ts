import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { credentials, status, type ClientDuplexStream, type StatusObject } from '@grpc/grpc-js';
import { DEFAULT_TRANSPORT, grpcChannelOptions } from '../../shared/config/index.js';
import { loadFedsiftProto, type SecAggClientMessage, type SecAggServerMessage } from '../../shared/proto/index.js';
import { CoordinatorLink } from '../../client-node/link/index.js';
import { protocolFixture, rawCoordinatorStub, TEST_CAPABILITIES, type ProtocolFixture } from '../helpers/protocol.js';
import { fitAnnouncementFor, playSecAggSite } from '../helpers/secagg-sites.js';

const PARAMS = 16;

/** A coordinator with 3 joined clients and a 1-round run (SecAgg+ unless `plain`), round 1 open. */
function fixture(plain = false): Promise<ProtocolFixture> {
  const secureAggregation = plain ? null : { numShares: 3, reconstructionThreshold: 2 };
  return protocolFixture({
    numParams: PARAMS,
    clients: 3,
    run: { secureAggregation, minClients: 2, roundDeadlineMs: 90_000 },
  });
}

const site = { delta: new Float32Array(PARAMS), numExamples: 10, seed: 1 };

describe('the SecureAggregation stream', () => {
  it('refuses a stream naming another attempt with FAILED_PRECONDITION, naming the current one', async () => {
    const f = await fixture();
    try {
      const a = await fitAnnouncementFor(f.clients[0]!, f.runId);
      const end = await playSecAggSite(
        f.coordinator.address,
        f.clients[0]!,
        { ...a, attempt: 2 },
        f.runtime.specs,
        site,
      );
      assert.equal(end.status.code, status.FAILED_PRECONDITION);
      assert.match(
        end.status.details,
        /SecAgg\+ round 1 attempt 2 of run \S+ is not open; the current one is round 1 attempt 1/,
      );
    } finally {
      await f.close();
    }
  });

  it('refuses a stream for a run without secure aggregation with FAILED_PRECONDITION', async () => {
    const f = await fixture(true);
    try {
      const a = await fitAnnouncementFor(f.clients[0]!, f.runId);
      const wire = { numClients: 3, numShares: 3, reconstructionThreshold: 2, maxWeight: 1000, clippingRange: 8 };
      const fake = { ...wire, quantizationRange: 2 ** 22, modulus: 2 ** 32, graphSeed: 1, vectorLength: PARAMS };
      const announced = {
        ...a,
        fit: {
          ...a.fit,
          secureAggregation: { ...fake, clippingNorm: 0, equalWeights: false, effectiveExamples: false },
        },
      };
      const end = await playSecAggSite(f.coordinator.address, f.clients[0]!, announced, f.runtime.specs, site);
      assert.equal(end.status.code, status.FAILED_PRECONDITION);
      assert.match(end.status.details, /run \S+ does not use secure aggregation/);
    } finally {
      await f.close();
    }
  });

  it('takes the client from the session: a stream whose session holds no site is UNAUTHENTICATED', async () => {
    const f = await fixture();
    const stub = new (loadFedsiftProto().CoordinatorClient)(
      f.coordinator.address,
      credentials.createInsecure(),
      grpcChannelOptions(DEFAULT_TRANSPORT),
    ) as unknown as {
      SecureAggregation(): ClientDuplexStream<SecAggClientMessage, SecAggServerMessage>;
      close(): void;
    };
    try {
      const call = stub.SecureAggregation();
      const ended = new Promise<StatusObject>((resolve) => call.on('status', resolve));
      call.on('error', () => undefined);
      const keys = { encryptionPublicKey: new Uint8Array(32).fill(1), maskPublicKey: new Uint8Array(32).fill(2) };
      call.write({ runId: f.runId, round: 1, attempt: 1, keys });
      const s = await ended;
      assert.equal(s.code, status.UNAUTHENTICATED);
      assert.match(s.details, /its session \(fedsift-session metadata\) must hold a joined site/);
    } finally {
      stub.close();
      await f.close();
    }
  });

  it("ends a taken-over site's old stream at its next message with PERMISSION_DENIED", async () => {
    // Prepare: clients 1 and 2 play; client 0 advertises keys on a raw stream and waits for stage 2's request.
    const f = await fixture();
    const [first, ...others] = f.clients;
    const stub = rawCoordinatorStub<{
      SecureAggregation(): ClientDuplexStream<SecAggClientMessage, SecAggServerMessage>;
    }>(f.coordinator.address, first!.link);
    const takeover = new CoordinatorLink(f.coordinator.address, DEFAULT_TRANSPORT);
    try {
      const a = await fitAnnouncementFor(first!, f.runId);
      const playing = others.map((c, i) =>
        playSecAggSite(f.coordinator.address, c, a, f.runtime.specs, { ...site, seed: i + 2 }),
      );
      const call = stub.SecureAggregation();
      const ended = new Promise<StatusObject>((resolve) => call.on('status', resolve));
      call.on('error', () => undefined);
      const stage2 = new Promise<void>((resolve) => call.once('data', () => resolve()));
      const keys = { encryptionPublicKey: new Uint8Array(32).fill(1), maskPublicKey: new Uint8Array(32).fill(2) };
      call.write({ runId: f.runId, round: 1, attempt: 1, keys });
      await stage2;
      // Execute: another daemon takes the site over; the old stream speaks again.
      const siteId = 'protocol-site-0';
      await takeover.join({
        siteId,
        token: '',
        capabilities: { ...TEST_CAPABILITIES, numExamples: 1000 },
        takeover: true,
      });
      call.write({ runId: f.runId, round: 1, attempt: 1, keys });
      // Assert
      const s = await ended;
      assert.equal(s.code, status.PERMISSION_DENIED);
      assert.match(s.details, /site "protocol-site-0" is held by another daemon/);
      await Promise.all(playing);
    } finally {
      stub.close();
      takeover.close();
      await f.close();
    }
  });
});
