import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ModelWeights } from '../../../shared/codec/index.js';
import { parseRunConfig } from '../../../coordinator/config/index.js';
import { AggregationError } from '../../../shared/errors/index.js';
import { createRng, shuffleInPlace } from '../../../shared/random/index.js';
import { createStrategy, type FitResult } from '../../../coordinator/strategies/index.js';
import { openFileSpill } from '../../../coordinator/spill/index.js';
import { assertClose } from '../../helpers/assert-close.js';

const specs = [
  { name: 'w', shape: [2], dtype: 'float32' as const },
  { name: 'b', shape: [1], dtype: 'float32' as const },
];
const global: ModelWeights = { specs, values: new Float32Array([0, 0, 0]) };
const update = (clientId: string, numExamples: number, values: number[], metrics = {}): FitResult => ({
  clientId,
  numExamples,
  weights: { specs, values: new Float32Array(values) },
  metrics,
});

describe('FedAvg', () => {
  const strategy = createStrategy(parseRunConfig({ clientsPerRound: 3, minClients: 1, seed: 7 }), {
    openSpill: openFileSpill,
  });

  it('averages updates weighted by number of examples (hand-computed)', () => {
    // Prepare: n = 100, 300, 600 → weights 0.1, 0.3, 0.6
    const acc = strategy.beginAggregation(1, global);
    // Execute
    acc.add(update('a', 100, [1, 2, 3], { train_loss: 1.0 }));
    acc.add(update('b', 300, [2, 4, 6], { train_loss: 0.5 }));
    acc.add(update('c', 600, [-1, 0, 10], { train_loss: 0.25 }));
    const agg = acc.finish([]);
    // Assert: w = 0.1·[1,2,3] + 0.3·[2,4,6] + 0.6·[-1,0,10] = [0.1, 1.4, 8.1]
    assertClose(agg.weights.values, [0.1, 1.4, 8.1], 1e-6);
    assert.equal(agg.numExamples, 1000);
    assertClose([agg.metrics.train_loss!], [0.1 * 1 + 0.3 * 0.5 + 0.6 * 0.25], 1e-12);
  });

  it('returns the one update unchanged when a single client answers', () => {
    const acc = strategy.beginAggregation(1, global);
    acc.add(update('a', 5, [0.5, -0.25, 3]));
    assertClose(acc.finish([]).weights.values, [0.5, -0.25, 3], 0);
  });

  it('gives the same result whatever the arrival order', () => {
    const rng = createRng(3);
    const updates = Array.from({ length: 20 }, (_, i) =>
      update(`c${i}`, 1 + Math.floor(rng.next() * 1000), [rng.next() * 100, -rng.next(), rng.next() * 1e-3]),
    );
    const fold = (us: FitResult[]) => {
      const acc = strategy.beginAggregation(1, global);
      us.forEach((u) => acc.add(u));
      return acc.finish([]).weights.values;
    };
    const first = fold(updates);
    for (let k = 0; k < 5; k++) assertClose(fold(shuffleInPlace(rng, updates.slice())), first, 1e-4); // values up to 100: float32 rounding
  });

  it('ignores a zero-weight update and refuses to average only zero weight', () => {
    const acc = strategy.beginAggregation(1, global);
    acc.add(update('a', 0, [100, 100, 100]));
    assert.throws(
      () => acc.finish([]),
      (e: unknown) =>
        e instanceof AggregationError && e.code === 'FS_ERR_AGGREGATION' && /total weight 0/.test(e.message),
    );
    acc.add(update('b', 2, [1, 1, 1]));
    assertClose(acc.finish([]).weights.values, [1, 1, 1], 0);
  });

  it('refuses to finish with no update at all', () => {
    assert.throws(() => strategy.beginAggregation(1, global).finish([]), AggregationError);
  });

  it('rejects an update of another length and a NaN weight, keeping what was folded', () => {
    const acc = strategy.beginAggregation(1, global);
    acc.add(update('a', 1, [1, 2, 3]));
    const wrong: FitResult = {
      clientId: 'x',
      numExamples: 1,
      weights: { specs: [{ name: 'w', shape: [3], dtype: 'float32' }, specs[1]!], values: new Float32Array(4) },
      metrics: {},
    };
    assert.throws(
      () => acc.add(wrong),
      (e: unknown) =>
        e instanceof AggregationError &&
        e.code === 'FS_ERR_AGGREGATION' &&
        /client x: 4 values, expected 3/.test(e.message),
    );
    assert.throws(
      () => acc.add(update('y', NaN, [1, 1, 1])),
      (e: unknown) => e instanceof AggregationError && /client y: weight NaN/.test(e.message),
    );
    assert.equal(acc.count, 1);
    assertClose(acc.finish([]).weights.values, [1, 2, 3], 0);
  });

  it('selects clientsPerRound distinct clients, reproducibly from the seed and round', () => {
    const pool = { available: ['a', 'b', 'c', 'd', 'e'] };
    const r1 = strategy.configureFit(1, global, pool).map((i) => i.clientId);
    assert.equal(new Set(r1).size, 3);
    assert.deepEqual(
      strategy.configureFit(1, global, pool).map((i) => i.clientId),
      r1,
    );
    const rounds = Array.from({ length: 10 }, (_, r) =>
      strategy
        .configureFit(r + 1, global, pool)
        .map((i) => i.clientId)
        .join(),
    );
    assert.ok(new Set(rounds).size > 1, 'selection varies across rounds');
    assert.equal(strategy.configureFit(1, global, { available: ['a'] }).length, 1);
  });

  it('aggregates client evaluations weighted by examples', () => {
    const agg = strategy.aggregateEvaluate(
      1,
      [
        { clientId: 'a', numExamples: 1, loss: 1, metrics: { accuracy: 0.5 } },
        { clientId: 'b', numExamples: 3, loss: 2, metrics: { accuracy: 0.9 } },
      ],
      [],
    );
    assertClose([agg!.loss, agg!.metrics.accuracy!], [1.75, 0.8], 1e-12);
    assert.equal(strategy.aggregateEvaluate(1, [], []), null);
  });
});
