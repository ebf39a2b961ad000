import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SubFleetAccumulator, subFleetEvaluation } from '../../../coordinator/aggregator/index.js';
import type { FitResult } from '../../../coordinator/strategies/index.js';
import type { ModelWeights } from '../../../shared/codec/index.js';

const specs = [{ name: 'w', shape: [2], dtype: 'float32' as const }];
const global: ModelWeights = { specs, values: new Float32Array([0, 0]) };
const update = (clientId: string, values: number[], numExamples: number, metrics = {}): FitResult => ({
  clientId,
  numExamples,
  weights: { specs, values: new Float32Array(values) },
  metrics,
});

describe('SubFleetAccumulator', () => {
  it('forwards Σ nₖ·xₖ / Σ nₖ with Σ nₖ examples, nₖ-weighted metrics and the client count', () => {
    const acc = new SubFleetAccumulator(global, { effectiveExamples: false, maxUpdateNorm: 0 });
    acc.add(update('a', [1, 2], 10, { train_loss: 1 }));
    acc.add(update('b', [4, 8], 30, { train_loss: 3 }));
    const out = acc.finish([]);
    // (10·1 + 30·4) / 40 = 3.25; (10·2 + 30·8) / 40 = 6.5; loss (10·1 + 30·3) / 40 = 2.5
    assert.deepEqual([...out.weights.values], [3.25, 6.5]);
    assert.equal(out.numExamples, 40);
    assert.equal(out.weight, 40);
    assert.equal(out.clients, 2);
    assert.deepEqual(out.metrics, { train_loss: 2.5 });
  });

  it('fedavg-effective: weighs by min(sₖ, nₖ) and forwards effective_examples = Σ wₖ', () => {
    const acc = new SubFleetAccumulator(global, { effectiveExamples: true, maxUpdateNorm: 0 });
    acc.add(update('a', [1, 1], 10, { effective_examples: 5 }));
    acc.add(update('b', [3, 3], 10, { effective_examples: 50 })); // capped at nₖ = 10
    const out = acc.finish([]);
    // weights 5 and 10: (5·1 + 10·3) / 15 = 7/3
    assert.ok(Math.abs(out.weights.values[0]! - 7 / 3) < 1e-6);
    assert.equal(out.metrics.effective_examples, 15);
    assert.equal(out.numExamples, 20);
  });

  it('counts an update that stands for several client updates (FitResult.clientUpdates) as that many', () => {
    const acc = new SubFleetAccumulator(global, { effectiveExamples: false, maxUpdateNorm: 0 });
    acc.add({ ...update('sub', [1, 1], 30), clientUpdates: 3 });
    acc.add(update('a', [1, 1], 10));
    assert.equal(acc.finish([]).clients, 4);
  });

  it('refuses to finish with nothing folded', () => {
    const acc = new SubFleetAccumulator(global, { effectiveExamples: false, maxUpdateNorm: 0 });
    assert.throws(() => acc.finish([]), /cannot average/);
  });
});

describe('subFleetEvaluation', () => {
  it('is the example-weighted mean loss and metrics over Σ nₖ examples, skipping a non-finite loss', () => {
    const e = subFleetEvaluation([
      { clientId: 'a', numExamples: 10, loss: 1, metrics: { accuracy: 0.5 } },
      { clientId: 'b', numExamples: 30, loss: 2, metrics: { accuracy: 0.9 } },
      { clientId: 'c', numExamples: 99, loss: NaN, metrics: { accuracy: 0 } },
    ]);
    assert.deepEqual(e, { loss: 1.75, metrics: { accuracy: 0.8 }, numExamples: 40 });
    assert.equal(subFleetEvaluation([]), null);
  });
});
