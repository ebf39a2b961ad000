import assert from 'node:assert/strict';
import { status, type ServiceError } from '@grpc/grpc-js';
import { describe, it } from 'node:test';
import { parseWith, transportSchema } from '../../shared/config/index.js';
import { MAX_CHUNK_BYTES } from '../../shared/codec/index.js';
import { protocolFixture, update } from '../helpers/protocol.js';
import { waitForRunState } from '../helpers/coordinators.js';

const GRPC_DEFAULT_MAX = 4 * 1024 * 1024;

describe('BR-01: message size limits', () => {
  it('(a) an update of 4,794,076 bytes (> 4 MiB) is accepted from a client left at gRPC default limits, hash intact', async () => {
    // Prepare: 1,198,519 float32 = 4,794,076 bytes, over the 4,194,304-byte gRPC default
    const clientTransport = parseWith(transportSchema, { maxMessageBytes: GRPC_DEFAULT_MAX }, 'transport');
    const f = await protocolFixture({ numParams: 1_198_519, clients: 2, clientTransport, run: { minClients: 2 } });
    try {
      const values = (i: number) => Float32Array.from({ length: 1_198_519 }, (_, k) => (k % 13) + i);
      // Execute
      const acks = await Promise.all(
        f.clients.map((c, i) => c.link.submitUpdate(update(f, c, 1, values(i)), MAX_CHUNK_BYTES)),
      );
      const s = await waitForRunState(f.coordinator, f.runId, ['RUN_STATE_COMPLETED']);
      // Assert: both counted; the aggregate is exactly the mean, so no byte was lost or reordered (server checks SHA-256)
      assert.ok(acks.every((a) => a.accepted));
      assert.equal(s.rounds[0]!.responded, 2);
      const agg = f.runtime.evaluated[0]!.values;
      assert.equal(agg.length, 1_198_519);
      for (const k of [0, 1, 12, 13, 1_198_518]) assert.equal(agg[k], (k % 13) + 0.5);
    } finally {
      await f.close();
    }
  });

  it('(b) one message of the configured cap + 1 byte gets RESOURCE_EXHAUSTED; the client fails the round, the others are aggregated', async () => {
    // Prepare: coordinator cap 8 MiB (the shipped default); model of 8 MiB + 4 bytes so one chunk can exceed the cap
    const cap = transportSchema.parse({}).maxMessageBytes;
    const numParams = cap / 4 + 1;
    const bigSender = parseWith(transportSchema, { maxMessageBytes: 2 * cap }, 'transport');
    const f = await protocolFixture({ numParams, clients: 3, clientTransport: bigSender, run: { minClients: 2 } });
    try {
      const [a, b, c] = f.clients as [(typeof f.clients)[0], (typeof f.clients)[0], (typeof f.clients)[0]];
      const ones = new Float32Array(numParams).fill(1);
      // Execute
      await a.link.submitUpdate(update(f, a, 1, ones), MAX_CHUNK_BYTES);
      const err = await c.link.submitUpdate(update(f, c, 1, ones), cap + 1).then(
        () => undefined,
        (e: ServiceError) => e,
      );
      await b.link.submitUpdate(update(f, b, 1, new Float32Array(numParams).fill(3)), MAX_CHUNK_BYTES);
      const s = await waitForRunState(f.coordinator, f.runId, ['RUN_STATE_COMPLETED']);
      // Assert
      assert.equal(err?.code, status.RESOURCE_EXHAUSTED, `got ${err?.code} ${err?.details}`);
      assert.equal(s.rounds[0]!.responded, 2);
      assert.equal(s.rounds[0]!.failed, 1);
      assert.deepEqual(
        s.rounds[0]!.failures.map((x) => x.clientId),
        [c.clientId],
      );
      assert.match(s.rounds[0]!.failures[0]!.reason, /update stream/);
      assert.equal(f.runtime.evaluated[0]!.values[0], 2);
    } finally {
      await f.close();
    }
  });
});
