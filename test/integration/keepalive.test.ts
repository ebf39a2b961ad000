import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_CHUNK_BYTES } from '../../shared/codec/index.js';
import { DEFAULT_TRANSPORT, grpcChannelOptions, grpcServerOptions } from '../../shared/config/index.js';
import { waitFor, waitForRunState } from '../helpers/coordinators.js';
import { H2_FLAG_ACK, H2_GOAWAY, H2_PING, Http2FrameRelay } from '../helpers/http2-frame-relay.js';
import { protocolFixture, update } from '../helpers/protocol.js';

/** Client keepalive PINGs on relay connection `connection` that a server PING ACK with the same opaque data answered. */
function acknowledgedPings(relay: Http2FrameRelay, connection: number): number {
  const onConnection = relay.framesOf(H2_PING).filter((p) => p.connection === connection);
  const acks = onConnection.filter((p) => p.from === 'server' && p.flags & H2_FLAG_ACK).map((p) => p.payload);
  return onConnection.filter(
    (p) => p.from === 'client' && !(p.flags & H2_FLAG_ACK) && acks.some((a) => a.equals(p.payload)),
  ).length;
}

/** A GOAWAY payload as text: error code and debug data (e.g. "11 too_many_pings" for ENHANCE_YOUR_CALM). */
function goawayText(payload: Buffer): string {
  return `${payload.readUInt32BE(4)} ${payload.subarray(8).toString()}`;
}

describe('BR-02: keepalive during long local training', () => {
  it('ships a server ping policy that admits the shipped client keepalive', () => {
    const client = grpcChannelOptions(DEFAULT_TRANSPORT);
    const server = grpcServerOptions(DEFAULT_TRANSPORT);
    assert.equal(client['grpc.keepalive_time_ms'], 10_000);
    assert.equal(client['grpc.keepalive_permit_without_calls'], 1);
    assert.equal(server['grpc.keepalive_permit_without_calls'], 1);
    assert.ok(server['grpc.http2.min_ping_interval_without_data_ms'] <= client['grpc.keepalive_time_ms']);
    assert.equal(server['grpc.http2.max_ping_strikes'], 0);
    assert.equal(client['grpc.max_send_message_length'], server['grpc.max_receive_message_length']);
    assert.equal(client['grpc.max_receive_message_length'], server['grpc.max_send_message_length']);
  });

  it('sends the shipped client keepalive PINGs on idle channels, the shipped server ACKs each without GOAWAY, then Submit on the same connection is OK; a re-send counts once', async () => {
    // Prepare: the shipped client and server transport; the clients reach the coordinator through a relay that
    // records the HTTP/2 frames, so the pings themselves are observed, not only the options that ask for them
    const relay = new Http2FrameRelay();
    try {
      const f = await protocolFixture({
        numParams: 10,
        clients: 2,
        clientTransport: DEFAULT_TRANSPORT,
        clientAddress: (coordinator) => relay.listen(coordinator),
        run: { minClients: 2, roundDeadlineMs: 300_000 }, // the round outlasts the wait for pings, however slow
      });
      try {
        const [a, b] = f.clients as [(typeof f.clients)[0], (typeof f.clients)[0]];
        const u = update(f, a, 1, new Float32Array(10).fill(1));
        assert.equal(relay.connections, 2, 'one connection per client link');
        // Execute: no RPC on either channel ("local training") until each connection has carried two client PINGs,
        // each answered by a server PING ACK with the same opaque data (keepaliveTimeMs apart: ~20 s shipped), or
        // until a GOAWAY ends one
        const pingedTwice = () => acknowledgedPings(relay, 0) >= 2 && acknowledgedPings(relay, 1) >= 2;
        await waitFor(
          'two acknowledged client keepalive PINGs on each connection, or a GOAWAY',
          () => (pingedTwice() || relay.framesOf(H2_GOAWAY).length > 0 ? true : undefined),
          120_000,
        );
        const pinged = pingedTwice();
        const first = await a.link.submitUpdate(u, MAX_CHUNK_BYTES);
        const again = await a.link.submitUpdate(u, MAX_CHUNK_BYTES);
        await b.link.submitUpdate(update(f, b, 1, new Float32Array(10).fill(3)), MAX_CHUNK_BYTES);
        const s = await waitForRunState(f.coordinator, f.runId, ['RUN_STATE_COMPLETED']);
        // Assert
        assert.deepEqual(
          relay.framesOf(H2_GOAWAY).map((g) => `${g.from}: ${goawayText(g.payload)}`),
          [],
          'no GOAWAY (a server refusing the pings answers ENHANCE_YOUR_CALM "too_many_pings")',
        );
        assert.ok(pinged, 'two acknowledged client PINGs on each connection before the first Submit');
        assert.equal(relay.connections, 2, 'the Submits went over the connections that carried the pings');
        assert.equal(relay.closed, 0);
        assert.equal(first.accepted, true);
        assert.equal(first.message, 'update accepted');
        assert.equal(again.message, 'update already accepted (idempotent re-send)');
        assert.equal(s.rounds[0]!.responded, 2);
        assert.equal(f.runtime.evaluated[0]!.values[0], 2, 'a counted once: (1 + 3) / 2');
      } finally {
        await f.close();
      }
    } finally {
      await relay.close();
    }
  });
});
