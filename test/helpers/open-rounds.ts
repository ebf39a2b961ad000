import { float32ToBytes, sha256Hex, type CodecSpec, type ModelWeights } from '../../shared/codec/index.js';
import { NO_WEIGHTING } from '../../shared/config/index.js';
import { silentLogger } from '../../shared/logging/index.js';
import type { UpdateHeader } from '../../shared/proto/index.js';
import { parseRunConfig } from '../../coordinator/config/index.js';
import { encodeModel, OpenRound, RoundProgress } from '../../coordinator/rounds/index.js';
import { createStrategy, type FitConfig } from '../../coordinator/strategies/index.js';
import { openFileSpill } from '../../coordinator/spill/index.js';

/** The fit config of a test round's instructions: one local epoch, no weighting. */
export const TEST_FIT_CONFIG: FitConfig = {
  localEpochs: 1,
  batchSize: 32,
  learningRate: 0.1,
  proximalMu: 0,
  weighting: NO_WEIGHTING,
  curriculumStage: 1,
};

/**
 * An open FedAvg round 1 (attempt 1) of a one-tensor model `w` of `params` float32 values (all `initial`), with
 * `clients` selected, each having declared 1,000 examples, closing in an hour (call close('stopped') when done).
 * `later` opens a later attempt of the same round instead, on an earlier attempt's progress. `o`: which of the clients
 * joined as aggregators (none by default), the run's update codec (none) and maxUpdateNorm (null).
 */
export function openTestRound(
  params: number,
  clients: readonly string[],
  initial = 0,
  later?: { attempt: number; after: OpenRound },
  o: { aggregators?: readonly string[]; updateCodec?: CodecSpec; maxUpdateNorm?: number } = {},
): OpenRound {
  const config = parseRunConfig({ rounds: 1, clientsPerRound: clients.length, minClients: 1, model: 'mlp' });
  const global: ModelWeights = {
    specs: [{ name: 'w', shape: [params], dtype: 'float32' }],
    values: new Float32Array(params).fill(initial),
  };
  return new OpenRound({
    runId: 'test-run',
    round: 1,
    attempt: later?.attempt ?? 1,
    instructions: clients.map((clientId) => ({ clientId, config: TEST_FIT_CONFIG })),
    deadlineUnixMs: Date.now() + 3_600_000,
    nowMs: Date.now(),
    model: encodeModel('mlp', 1, global),
    updateCodec: o.updateCodec ?? { kind: 'none' },
    global: later?.after.global ?? global,
    progress:
      later?.after.progress ??
      new RoundProgress(createStrategy(config, { openSpill: openFileSpill }).beginAggregation(1, global)),
    maxUpdateNorm: o.maxUpdateNorm ?? null,
    sender: (id) => (o.aggregators?.includes(id) ? { numExamples: 0, aggregator: true } : { numExamples: 1_000 }),
    spareBuffers: [],
    logger: silentLogger(),
  });
}

/** The header and bytes of `clientId`'s update of round 1 of an openTestRound, with `values` as its parameters. */
export function testUpdate(
  clientId: string,
  values: Float32Array,
  numExamples = 1,
): { header: UpdateHeader; bytes: Uint8Array } {
  const bytes = float32ToBytes(values);
  const header: UpdateHeader = {
    runId: 'test-run',
    round: 1,
    clientId,
    numExamples,
    metrics: {},
    tensors: [{ name: 'w', shape: [values.length], dtype: 'float32' }],
    totalBytes: bytes.byteLength,
    sha256: sha256Hex(bytes),
  };
  return { header, bytes };
}

/** Receives and folds `clientId`'s update of `params` parameters, all `value`, through the round's intake. */
export function foldTestUpdate(round: OpenRound, clientId: string, value: number, params: number): void {
  const { header, bytes } = testUpdate(clientId, new Float32Array(params).fill(value));
  const receiver = round.receive(header);
  const buffer = receiver.buffer();
  buffer.set(bytes);
  receiver.received(bytes.byteLength);
  receiver.complete(buffer, header.sha256);
}
