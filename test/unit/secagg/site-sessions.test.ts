import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { playSecAggSession, SecAggSession, type SecAggOutcome } from '../../../client-node/secagg/index.js';
import { secAggToWire, type SecAggServerMessage } from '../../../shared/proto/index.js';
import {
  quantizationStep,
  SecAggServer,
  validateSecAggSettings,
  weightRatio,
  type SecAggResult,
} from '../../../shared/secagg/index.js';
import { assertClose } from '../../helpers/assert-close.js';
import { seededBytes } from '../../helpers/seeded-bytes.js';
import { SecAggRelay, type RelayChannel } from '../../helpers/secagg-relay.js';
import { randomValues } from '../../helpers/update-codecs.js';

const RUN = 'run-sessions';
const ROUND = 4;
const ATTEMPT = 2;
const LENGTH = 300;
const SETTINGS = { numShares: 5, reconstructionThreshold: 3 };

/** Sites, their deltas and example counts (one above maxWeight 1000, so its weight saturates). */
function sites(count: number, seed: number) {
  const ids = Array.from({ length: count }, (_, i) => `site-${i}`);
  const deltas = ids.map((_, i) => randomValues(LENGTH, seed * 100 + i, 0.5));
  const numExamples = [120, 480, 1500, 800, 60].slice(0, count);
  return { ids, deltas, numExamples };
}

/**
 * Plays one attempt in process: a SecAggServer behind a SecAggRelay, and each site's daemon-side session (seeded keys
 * and rounding) over its relay channel, training to its given delta and uploading to the relay.
 */
async function playAttempt(
  count: number,
  seed: number,
  tamper?: (to: string, m: SecAggServerMessage) => SecAggServerMessage,
  beforeTraining?: (clientId: string, relay: SecAggRelay, channel: RelayChannel) => Promise<void>,
) {
  const { ids, deltas, numExamples } = sites(count, seed);
  const server = new SecAggServer({
    runId: RUN,
    round: ROUND,
    clientIds: ids,
    settings: validateSecAggSettings(SETTINGS),
    graphSeed: seed,
    vectorLength: LENGTH,
  });
  const wire = secAggToWire(server.setupMessage(), { clippingNorm: 0, equalWeights: false, effectiveExamples: false });
  const relay = new SecAggRelay(server, tamper);
  const channels = ids.map((id) => relay.channel(id));
  const uploads: string[] = [];
  /** Each site's `gone` signal, as its training got it. */
  const gone = new Map<string, AbortSignal>();
  const settled = await Promise.allSettled(
    ids.map((clientId, i) => {
      const attempt = { runId: RUN, round: ROUND, attempt: ATTEMPT, selectedClientIds: ids, secureAggregation: wire };
      const session = new SecAggSession({
        clientId,
        attempt,
        randomBytes: seededBytes(seed * 31 + i),
      });
      return playSecAggSession(session, channels[i]!, {
        train: async (signal) => {
          gone.set(clientId, signal);
          await beforeTraining?.(clientId, relay, channels[i]!);
          return { update: deltas[i]!, numExamples: numExamples[i]! };
        },
        upload: (masked) => {
          uploads.push(clientId);
          return Promise.resolve(relay.upload(clientId, masked));
        },
      });
    }),
  );
  // A session that threw (its training failed) shows as { kind: 'threw' }: outcomes of the others stay readable.
  const outcomes = settled.map((o): SecAggOutcome | { kind: 'threw'; error: unknown } =>
    o.status === 'fulfilled' ? o.value : { kind: 'threw', error: o.reason },
  );
  return { ids, deltas, numExamples, server, outcomes, channels, uploads, gone, result: await relay.result };
}

/** Σ rₖ·δₖ / Σ rₖ over the given sites, rₖ = min(nₖ, maxWeight)/maxWeight (what plain FedAvg of capped counts gives). */
function weightedMean(deltas: readonly Float32Array[], numExamples: readonly number[], which: readonly number[]) {
  const r = which.map((i) => weightRatio(numExamples[i]!, 1000));
  const total = r.reduce((a, b) => a + b, 0);
  const mean = new Float64Array(LENGTH);
  which.forEach((i, j) => deltas[i]!.forEach((x, k) => (mean[k] = mean[k]! + (r[j]! * x) / total)));
  return { mean, total };
}

function asResult(r: SecAggResult | Error): SecAggResult {
  if (r instanceof Error) throw r;
  return r;
}

describe('SecAgg+ sessions of the daemon against the protocol layer', () => {
  it('unmasks the weighted mean of four sites’ deltas within the quantisation step', async () => {
    // Prepare / Execute: four sites, numShares 5 (hence 4), threshold 3
    const { deltas, numExamples, outcomes, result } = await playAttempt(4, 21);
    // Assert: every session ended with done; the mean is the capped-count weighted mean of the deltas, each site off
    // by less than one quantisation step per value (stochastic rounding) and its weight by half a step
    const sum = asResult(result);
    assert.deepEqual(
      outcomes.map((o) => o.kind),
      ['done', 'done', 'done', 'done'],
    );
    assert.deepEqual(outcomes[0], { kind: 'done', survivors: 4, dropped: 0 });
    const { mean, total } = weightedMean(deltas, numExamples, [0, 1, 2, 3]);
    const step = quantizationStep(8, 2 ** 22);
    const maxAbs = Math.max(...deltas.flatMap((d) => [...d].map(Math.abs)));
    assertClose(sum.weightedMean, mean, (4 * step * (1 + maxAbs)) / total + 1e-6, 'weighted mean');
    assert.ok(Math.abs(sum.totalExamples - total * 1000) <= 4 * step * 1000);
  });

  it('leaves the attempt without throwing on an unmask request that would reveal a neighbour, and the others finish', async () => {
    // Prepare: the coordinator asks site-0 for both secrets of site-1 (survivor and dropped at once)
    const tamper = (to: string, m: SecAggServerMessage): SecAggServerMessage =>
      to === 'site-0' && m.unmask ? { unmask: { ...m.unmask, dropped: ['site-1'] } } : m;
    // Execute
    const { outcomes, channels, result } = await playAttempt(5, 22, tamper);
    // Assert: site-0 left (its stream cancelled) naming why; the four others unmasked without it
    const left = outcomes[0] as Extract<SecAggOutcome, { kind: 'left' }>;
    assert.equal(left.kind, 'left');
    assert.match(left.reason, /site-0 refuses to unmask: site-1 is listed both as survivor and as dropped/);
    assert.equal(channels[0]!.cancelled, true);
    assert.deepEqual(
      outcomes.slice(1).map((o) => o.kind),
      ['done', 'done', 'done', 'done'],
    );
    assert.deepEqual(asResult(result).survivors.length, 5);
  });

  it('leaves the attempt on malformed coordinator messages: a short key, a message with no stage', async () => {
    // Prepare: site-1 gets a neighbour key of 5 bytes; site-2 gets an empty message instead of its shares
    const tamper = (to: string, m: SecAggServerMessage): SecAggServerMessage => {
      if (to === 'site-1' && m.shareKeys)
        return {
          shareKeys: {
            keys: m.shareKeys.keys.map((k, i) => (i === 0 ? { ...k, maskPublicKey: new Uint8Array(5) } : k)),
          },
        };
      if (to === 'site-2' && m.maskedInput) return {};
      return m;
    };
    // Execute
    const { outcomes, channels } = await playAttempt(5, 23, tamper);
    // Assert: both left with the reason, their streams cancelled; nothing escaped playSecAggSession
    assert.equal(outcomes[1]!.kind, 'left');
    assert.match((outcomes[1] as { reason: string }).reason, /maskPublicKey/);
    assert.equal(outcomes[2]!.kind, 'left');
    assert.match((outcomes[2] as { reason: string }).reason, /holds no stage/);
    assert.equal(channels[1]!.cancelled && channels[2]!.cancelled, true);
  });

  it('ends with aborted, naming the reason, when too few sites are left to unmask after its upload', async () => {
    // Prepare: three of four sites get no shares at all (the coordinator drops them): too few to mask with
    const tamper = (to: string, m: SecAggServerMessage): SecAggServerMessage =>
      m.maskedInput && to !== 'site-0' ? {} : m;
    // Execute
    const { outcomes, result } = await playAttempt(4, 24, tamper);
    // Assert: the three left; site-0 alone uploaded, the unmask stage failed, its stream ended ABORTED with the reason
    assert.deepEqual(
      outcomes.slice(1).map((o) => o.kind),
      ['left', 'left', 'left'],
    );
    assert.equal(outcomes[0]!.kind, 'aborted');
    assert.ok(result instanceof Error);
    assert.equal((outcomes[0] as { reason: string }).reason, result.message);
  });

  it('ends with aborted and uploads nothing when the attempt fails while the site trains', async () => {
    // Prepare: the masked-input stage reaches its deadline while the sites train, with no masked vector in
    const expireWhileTraining = async (_: string, relay: SecAggRelay) => {
      relay.expire();
      await relay.result;
    };
    // Execute
    const { outcomes, uploads, gone, result } = await playAttempt(4, 25, undefined, expireWhileTraining);
    // Assert: each site's training was told its work is gone; each site learnt of the failed attempt when its
    // training ended, and did not upload
    assert.deepEqual(
      [...gone.values()].map((g) => g.aborted),
      [true, true, true, true],
    );
    assert.ok(result instanceof Error);
    assert.deepEqual(
      outcomes.map((o) => o.kind),
      ['aborted', 'aborted', 'aborted', 'aborted'],
    );
    assert.deepEqual(outcomes[0], { kind: 'aborted', reason: result.message });
    assert.deepEqual(uploads, []);
  });

  it('uploads nothing and leaves when the stream moves on while it trains: done, an OK end', async () => {
    // Prepare: while they train, site-0 gets `done` and site-1's stream ends with OK (a coordinator out of step)
    const moveOn = async (clientId: string, relay: SecAggRelay, channel: RelayChannel) => {
      if (clientId === 'site-0') channel.push({ done: { survivors: 5, dropped: 0 } });
      if (clientId === 'site-1') relay.endStream(clientId);
    };
    // Execute
    const { outcomes, uploads, gone, result } = await playAttempt(5, 27, undefined, moveOn);
    // Assert: neither uploaded, each told its training the work is gone; the three others unmasked without them
    assert.deepEqual(outcomes[0], {
      kind: 'left',
      reason: 'the coordinator moved past the masked-input stage while the site trained',
    });
    assert.deepEqual(outcomes[1], {
      kind: 'ended',
      reason: 'the coordinator closed the stream while the site trained',
    });
    assert.deepEqual(uploads.sort(), ['site-2', 'site-3', 'site-4']);
    assert.equal(gone.get('site-0')!.aborted && gone.get('site-1')!.aborted, true);
    assert.equal(gone.get('site-2')!.aborted, false);
    assert.deepEqual(asResult(result).survivors, ['site-2', 'site-3', 'site-4']);
  });

  it('leaves on `done` before its unmask reply: the coordinator is out of step', async () => {
    // Prepare: site-0 gets `done` where its masked-input request should be
    const tamper = (to: string, m: SecAggServerMessage): SecAggServerMessage =>
      to === 'site-0' && m.maskedInput ? { done: { survivors: 5, dropped: 0 } } : m;
    // Execute
    const { outcomes, uploads, channels } = await playAttempt(5, 28, tamper);
    // Assert: site-0 left naming why, its stream cancelled, nothing uploaded; the others finished
    assert.equal(outcomes[0]!.kind, 'left');
    assert.match((outcomes[0] as { reason: string }).reason, /'done' before this site's unmask reply/);
    assert.equal(channels[0]!.cancelled, true);
    assert.equal(uploads.includes('site-0'), false);
    assert.deepEqual(
      outcomes.slice(1).map((o) => o.kind),
      ['done', 'done', 'done', 'done'],
    );
  });

  it('rethrows a failed training after leaving the attempt, and the other sites finish without it', async () => {
    // Prepare: site-2's training fails (say, the model could not be fetched)
    const failing = async (clientId: string) => {
      if (clientId === 'site-2') throw new Error('fetch failed');
    };
    // Execute
    const { outcomes, channels, uploads, result } = await playAttempt(5, 26, undefined, failing);
    // Assert: site-2's session threw that error with its stream cancelled; the sum holds the four others
    assert.deepEqual(outcomes[2], { kind: 'threw', error: new Error('fetch failed') });
    assert.equal(channels[2]!.cancelled, true);
    assert.deepEqual(uploads.sort(), ['site-0', 'site-1', 'site-3', 'site-4']);
    assert.deepEqual(asResult(result).survivors, ['site-0', 'site-1', 'site-3', 'site-4']);
    assert.deepEqual(asResult(result).dropped, ['site-2']);
  });
});
