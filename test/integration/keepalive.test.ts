import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { MAX_CHUNK_BYTES } from '../../shared/codec/index.js';
import {
  DEFAULT_TRANSPORT,
  grpcChannelOptions,
  grpcServerOptions,
  parseWith,
  transportSchema,
} from '../../shared/config/index.js';
import { waitForRunState } from '../helpers/coordinators.js';
import { protocolFixture, update } from '../helpers/protocol.js';

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

  it('keeps an idle channel pinging every second for 8 s, then the first Submit returns OK; a re-send counts once', async () => {
    // Prepare: the client pings 10× more often than shipped, to compress minutes of idle training into seconds
    const clientTransport = parseWith(
      transportSchema,
      { keepaliveTimeMs: 1000, keepaliveTimeoutMs: 1000 },
      'transport',
    );
    const f = await protocolFixture({ numParams: 10, clients: 2, clientTransport, run: { minClients: 2 } });
    try {
      const [a, b] = f.clients as [(typeof f.clients)[0], (typeof f.clients)[0]];
      const u = update(f, a, 1, new Float32Array(10).fill(1));
      // Execute: no RPC at all for 8 s ("local training")
      await sleep(8_000);
      const first = await a.link.submitUpdate(u, MAX_CHUNK_BYTES);
      const again = await a.link.submitUpdate(u, MAX_CHUNK_BYTES);
      // Assert
      assert.equal(first.accepted, true);
      assert.equal(first.message, 'update accepted');
      assert.equal(again.message, 'update already accepted (idempotent re-send)');
      await b.link.submitUpdate(update(f, b, 1, new Float32Array(10).fill(3)), MAX_CHUNK_BYTES);
      const s = await waitForRunState(f.coordinator, f.runId, ['RUN_STATE_COMPLETED']);
      assert.equal(s.rounds[0]!.responded, 2);
      assert.equal(f.runtime.evaluated[0]!.values[0], 2, 'a counted once: (1 + 3) / 2');
    } finally {
      await f.close();
    }
  });
});
