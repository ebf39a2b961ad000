import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseStaleness, rebaseUpdate, stalenessWeight } from '../../../coordinator/fedbuff/index.js';
import { parseRunConfig } from '../../../coordinator/config/index.js';
import {
  createStrategy,
  type FitResult,
  type UpdateValues,
  type ValueBlocks,
} from '../../../coordinator/strategies/index.js';
import { openFileSpill } from '../../../coordinator/spill/index.js';
import { createRng } from '../../../shared/random/index.js';
import { assertClose } from '../../helpers/assert-close.js';

const sqrt = { kind: 'sqrt' } as const;

describe('FedBuff staleness weight', () => {
  it('gives 1/√(1+τ), 1 and (1+τ)^−a (hand-computed)', () => {
    assert.equal(stalenessWeight(sqrt, 0), 1);
    assert.equal(stalenessWeight(sqrt, 3), 0.5); // 1/√4
    assertClose([stalenessWeight(sqrt, 2)], [0.5773502691896258], 1e-15); // 1/√3
    assert.equal(stalenessWeight({ kind: 'constant' }, 7), 1);
    assert.equal(stalenessWeight({ kind: 'polynomial', a: 2 }, 1), 0.25); // 2^−2
    assert.equal(stalenessWeight({ kind: 'polynomial', a: 0.5 }, 8), 1 / 3); // 9^−½
  });

  it('refuses a negative or fractional staleness', () => {
    assert.throws(() => stalenessWeight(sqrt, -1), RangeError);
    assert.throws(() => stalenessWeight(sqrt, 0.5), RangeError);
  });

  it('parses sqrt, constant and polynomial:a, and refuses a zero exponent or another name', () => {
    assert.deepEqual(parseStaleness('polynomial:0.5'), { kind: 'polynomial', a: 0.5 });
    assert.deepEqual(parseStaleness('constant'), { kind: 'constant' });
    for (const bad of ['polynomial:0', 'polynomial:0.00', 'polynomial:-1', 'hinge'])
      assert.throws(() => parseStaleness(bad), /is not a staleness weight/, bad);
  });
});

describe('FedBuff rebase into the strategy accumulator', () => {
  const specs = [{ name: 'w', shape: [3], dtype: 'float32' as const }];
  const config = parseRunConfig({ clientsPerRound: 2, minClients: 1, mode: 'async' });
  const fedavg = createStrategy(config, { openSpill: openFileSpill });
  const fit = (clientId: string, numExamples: number, values: UpdateValues): FitResult => ({
    clientId,
    numExamples,
    weights: { specs, values },
    metrics: {},
  });

  it('weights an update from version v−2 by s(2) = 1/√3 (hand-computed)', () => {
    // Prepare: w_v = [1, 2, 3]; update A from w_{v−2} = [0, 0, 0], x = [3, 0, 6], n = 1, τ = 2;
    // update B from w_v itself, x = [5, 4, 3], n = 3, τ = 0.
    const current = Float32Array.from([1, 2, 3]);
    const old = Float32Array.from([0, 0, 0]);
    const acc = fedavg.beginAggregation(1, { specs, values: current });
    // Execute
    acc.add(fit('a', 1, rebaseUpdate(Float32Array.from([3, 0, 6]), current, old, stalenessWeight(sqrt, 2))));
    acc.add(fit('b', 3, rebaseUpdate(Float32Array.from([5, 4, 3]), current, current, stalenessWeight(sqrt, 0))));
    const out = acc.finish([]).weights.values;
    // Assert: A′ = w_v + (1/√3)·(x − w_b) = [1 + √3, 2, 3 + 2√3] = [2.7320508, 2, 6.4641016];
    // mean = (1·A′ + 3·[5, 4, 3]) / 4 = [4.4330127, 3.5, 3.8660254]
    assertClose(out, [4.4330127, 3.5, 3.8660254], 1e-6);
  });

  it('with τ = 0 and η_g = 1 folds exactly what synchronous FedAvg folds', () => {
    // Prepare: three seeded updates on a 10,000-value model (three rebase blocks), all from the current version,
    // handed to the rebase as a copy of it (so the rebase computes w_v + 1·(x − w_b) block by block rather than
    // handing x on as it is for the very same array).
    const rng = createRng(11);
    const n = 10_000;
    const current = Float32Array.from({ length: n }, () => rng.next() - 0.5);
    const base = current.slice();
    const updates = [1, 2, 3].map(() => Float32Array.from({ length: n }, () => rng.next() * 2 - 1));
    const big = [{ name: 'w', shape: [n], dtype: 'float32' as const }];
    const sync = fedavg.beginAggregation(1, { specs: big, values: current });
    const buffered = fedavg.beginAggregation(1, { specs: big, values: current });
    // Execute
    updates.forEach((x, k) => {
      sync.add({ clientId: `c${k}`, numExamples: 10 * (k + 1), weights: { specs: big, values: x }, metrics: {} });
      const rebased = rebaseUpdate(x, current, base, 1 * stalenessWeight(sqrt, 0));
      assert.ok(!(rebased instanceof Float32Array), 'computed by the formula, not handed on');
      buffered.add({
        clientId: `c${k}`,
        numExamples: 10 * (k + 1),
        weights: { specs: big, values: rebased },
        metrics: {},
      });
    });
    // Assert: bit for bit
    assert.deepEqual(buffered.finish([]).weights.values, sync.finish([]).weights.values);
  });

  it('rebases decoded blocks as it rebases a dense update, across block boundaries', () => {
    // Prepare: a 9,000-value update handed over dense and as 1,000-value blocks (a compressed update's path).
    const rng = createRng(5);
    const n = 9_000;
    const [current, base, x] = [0, 1, 2].map(() => Float32Array.from({ length: n }, () => rng.next() - 0.5));
    const blocks: UpdateValues = {
      length: n,
      forEachBlock: (fn) => {
        for (let o = 0; o < n; o += 1000) fn(o, x!.slice(o, o + 1000));
      },
      foldInto: () => assert.fail('the rebase folds through forEachBlock'),
    };
    const f = 0.7 * stalenessWeight(sqrt, 1);
    const expected = Float32Array.from(x!, (v, i) => current![i]! + f * (v - base![i]!));
    // Execute
    const dense = new Float32Array(n);
    const decoded = new Float32Array(n);
    (rebaseUpdate(x!, current!, base!, f) as ValueBlocks).foldInto(dense, 1);
    (rebaseUpdate(blocks, current!, base!, f) as ValueBlocks).foldInto(decoded, 1);
    // Assert
    assert.deepEqual(dense, expected);
    assert.deepEqual(decoded, expected);
  });
});
