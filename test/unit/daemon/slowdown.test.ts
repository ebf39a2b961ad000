import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { slowdownWaitMs, trainLocalRound, type Slowdown } from '../../../client-node/daemon/index.js';
import { LocalTrainer } from '../../../client-node/training/index.js';
import { CLIENT_METRICS } from '../../../shared/contract/index.js';
import { loadMnistSplit, subset } from '../../../shared/data/index.js';
import { getModelDefinition, readWeights } from '../../../shared/models/index.js';
import { loadTf, type Tf } from '../../../shared/tf/index.js';
import { testAnnouncement } from '../../helpers/announcements.js';
import { assertClose } from '../../helpers/assert-close.js';

describe('slowdownWaitMs', () => {
  it('waits (F − 1) times the work: nothing at F = 1, twice the work at F = 3', () => {
    // Execute / Assert
    assert.equal(slowdownWaitMs(1, 120), 0);
    assert.equal(slowdownWaitMs(3, 120), 240);
    assert.equal(slowdownWaitMs(2.5, 0), 0);
  });

  it('refuses a factor below 1 or not finite, and a negative or non-finite work time', () => {
    for (const [factor, workMs] of [
      [0.5, 10],
      [Infinity, 10],
      [NaN, 10],
      [2, -1],
      [2, NaN],
    ] as const)
      // Execute / Assert
      assert.throws(() => slowdownWaitMs(factor, workMs), RangeError, `${factor}, ${workMs}`);
  });
});

describe('a slowed client (trainLocalRound with a slowdown), real tfjs training', () => {
  let tf: Tf;
  let close: () => void;
  let trainer: LocalTrainer;
  let global: ReturnType<typeof readWeights>;
  before(async () => {
    tf = (await loadTf('auto')).tf;
    const model = getModelDefinition('mlp').build(tf, 0);
    const digits = subset(
      loadMnistSplit('train'),
      Array.from({ length: 256 }, (_, i) => i),
    );
    trainer = new LocalTrainer(tf, model, digits, 1);
    global = readWeights(model);
    close = () => {
      trainer.dispose();
      model.dispose();
    };
  });
  after(() => close());

  /** One round of 2 local epochs, timed on the test's clock: its wall time and the client's metrics. */
  async function timedRound(slowdown?: Slowdown) {
    const a = testAnnouncement({ fit: { ...testAnnouncement().fit, localEpochs: 2 } });
    const started = performance.now();
    const fit = await trainLocalRound(trainer, a, global, {}, slowdown);
    return { wallMs: performance.now() - started, metrics: fit.metrics, values: fit.weights.values };
  }

  it('takes about F times its own training time at F = 3: waits ≈ 2× train_ms, and trains the same model', async () => {
    // Prepare: a real timer on the monotonic clock, as the daemon uses
    const slowdown: Slowdown = { factor: 3, now: () => performance.now(), sleep: (ms) => sleep(ms) };
    // Execute
    const plain = await timedRound();
    const slowed = await timedRound(slowdown);
    // Assert: the client's own record — wait over its training — not a wall-clock threshold
    const trainMs = slowed.metrics[CLIENT_METRICS.trainMs]!;
    const waitMs = slowed.metrics[CLIENT_METRICS.slowdownMs]!;
    assert.equal(plain.metrics[CLIENT_METRICS.slowdownMs], undefined, 'a client at full speed reports no wait');
    // a sleep never ends early, so only the lower bound holds on a loaded machine: ≥ (F − 1) × training, less 10%
    assert.ok(waitMs / trainMs > 1.8, `waited ${waitMs} ms after ${trainMs} ms of training`);
    assertClose(slowed.values, plain.values, 0, 'the wait changes nothing in what it trains');
  });

  it('waits with the clock and the sleep it is given: (F − 1) × the work the clock measured', async () => {
    // Prepare: a clock that says the work took 1,000 ms, and a sleep that only records
    let t = 0;
    const waits: number[] = [];
    const slowdown: Slowdown = {
      factor: 5,
      now: () => (t += 500),
      sleep: async (ms) => void waits.push(ms),
    };
    // Execute
    const { metrics } = await timedRound(slowdown);
    // Assert: start 500, end 1,000 → 500 ms of work → wait 4 × 500
    assert.deepEqual(waits, [2_000]);
    assert.equal(metrics[CLIENT_METRICS.slowdownMs], 500, 'the wait as the clock measured it');
  });
});
