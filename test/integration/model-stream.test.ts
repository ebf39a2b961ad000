import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { ClientReadableStream } from '@grpc/grpc-js';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { float32ToBytes, MAX_CHUNK_BYTES, sha256Hex } from '../../shared/codec/index.js';
import { DEFAULT_TRANSPORT } from '../../shared/config/index.js';
import type { ModelChunk } from '../../shared/proto/index.js';
import type { WriteStats } from '../../coordinator/grpc/index.js';
import { FixedModelRuntime } from '../helpers/fixed-runtime.js';
import { startTestCoordinator, waitForRound } from '../helpers/coordinators.js';
import { CoordinatorLink } from '../../client-node/link/index.js';
import { rawCoordinatorStub } from '../helpers/protocol.js';

describe('BR-03: FetchModel stream back-pressure', () => {
  it('streams a 256 MiB model to a client reading one chunk per 50 ms: 256 chunks in order, same hash, bounded buffer', async () => {
    // Prepare: 256 MiB model = 67,108,864 float32
    const runtime = new FixedModelRuntime(64 * 1024 * 1024);
    const streamed: WriteStats[] = [];
    const c = await startTestCoordinator({}, { runtime, onModelStreamed: (s) => streamed.push(s) });
    const link = new CoordinatorLink(c.address, DEFAULT_TRANSPORT);
    const stub = rawCoordinatorStub<{ FetchModel(r: object): ClientReadableStream<ModelChunk> }>(c.address, link);
    try {
      const { clientId } = await link.join({
        siteId: 'slow-reader',
        token: '',
        capabilities: { numExamples: 1000, backend: 'none', numFeatures: 784, numLabelClasses: 10, schemaSha256: '' },
      });
      const run = await c.manager.startRun({
        rounds: 1,
        clientsPerRound: 1,
        minClients: 1,
        model: 'mlp',
        roundDeadlineMs: 120_000,
      });
      await waitForRound(c, run.runId, 1);
      const expectedHash = sha256Hex(float32ToBytes((await runtime.initialWeights()).values));
      // Execute: a deliberately slow reader
      const hash = createHash('sha256');
      let chunks = 0,
        headerSha = '',
        headerFirst = false;
      for await (const m of stub.FetchModel({ runId: run.runId, round: 1, clientId }) as AsyncIterable<ModelChunk>) {
        if (m.header) {
          headerFirst = chunks === 0;
          headerSha = m.header.sha256;
          continue;
        }
        assert.ok(m.data!.byteLength <= MAX_CHUNK_BYTES);
        hash.update(m.data!);
        chunks++;
        await sleep(50);
      }
      // Assert
      assert.ok(headerFirst, 'header comes first');
      assert.equal(chunks, 256);
      assert.equal(hash.digest('hex'), expectedHash, 'in-order reassembly hashes like the coordinator model');
      assert.equal(headerSha, expectedHash);
      assert.equal(streamed.length, 1);
      assert.equal(streamed[0]!.messages, 257);
      assert.ok(
        streamed[0]!.maxBufferedMessages <= streamed[0]!.highWaterMark + 1,
        `buffered ${streamed[0]!.maxBufferedMessages} > hwm ${streamed[0]!.highWaterMark} + 1`,
      );
    } finally {
      stub.close();
      link.close();
      await c.close();
    }
  });
});
