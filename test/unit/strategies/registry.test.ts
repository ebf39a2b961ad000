import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRunConfig } from '../../../coordinator/config/index.js';
import { STRATEGIES, strategyOptionsSchema, type StrategyName } from '../../../coordinator/strategies/index.js';
import { AggregationError, ConfigError } from '../../../shared/errors/index.js';
import { createRng, normal, shuffleInPlace } from '../../../shared/random/index.js';
import { assertClose } from '../../helpers/assert-close.js';
import { aggregateRound, strategyOf, upd, weights } from '../../helpers/strategy-rounds.js';

/** One hand-computed round of a strategy: from [0, 0], fold ROUND_UPDATES with default options. */
interface StrategyCase {
  /** Run config fields the strategy needs (Krum: minClients ≥ 2f + 3). */
  run?: Record<string, unknown>;
  /** The new global model. */
  expected: [number, number];
}

/** Five clients [v, −v], v = 1, 2, 3, 4 and an outlier 100; the outlier reports 0 effective examples. */
const ROUND_UPDATES = [1, 2, 3, 4, 100].map((v, i) =>
  upd(`c${i}`, [v, -v], 1, { effective_examples: v === 100 ? 0 : 1 }),
);

/**
 * Every strategy's expected first round (the compiler demands an entry per registry name). Mean Δ = [22, −22].
 * FedOpt: m = (1 − β₁)·Δ, v = (1 − β₂)·Δ² (Adagrad: m = Δ, v = Δ²) → w = η·m / (√v + τ).
 */
const CASES: Record<StrategyName, StrategyCase> = {
  fedavg: { expected: [22, -22] },
  fedavgm: { expected: [22, -22] }, // v = Δ, w = 0 + 1·v
  fedprox: { expected: [22, -22] },
  fedadagrad: { expected: [0.1, -0.1] }, // 0.1·22 / (22 + 1e-9)
  fedadam: { expected: [0.1, -0.1] }, // 0.1·2.2 / (2.2 + 1e-9)
  fedyogi: { expected: [(0.01 * 2.2) / 2.201, (-0.01 * 2.2) / 2.201] }, // v = 0 − 0.01·484·sign(−484) = 4.84
  fedmedian: { expected: [3, -3] },
  fedtrimmedavg: { expected: [3, -3] }, // β = 0.2: drop 1 at each end → mean(2, 3, 4)
  krum: { run: { minClients: 5 }, expected: [2, -2] }, // scores 10, 4, 4, 10, …: the tie goes to the first
  'fedavg-effective': { expected: [2.5, -2.5] }, // the outlier weighs 0
};

const NAMES = STRATEGIES.map((d) => d.name);

describe('strategy registry', () => {
  it('lists each name once, and the per-strategy test table has exactly those names', () => {
    assert.equal(new Set(NAMES).size, NAMES.length);
    assert.deepEqual(Object.keys(CASES).sort(), [...NAMES].sort());
  });

  it('parses every strategy by its bare name with its defaults and creates a strategy of that name', () => {
    for (const definition of STRATEGIES) {
      // Prepare / Execute
      const parsed = strategyOptionsSchema.parse(definition.name);
      const config = parseRunConfig({ strategy: definition.name, ...CASES[definition.name].run });
      // Assert
      assert.deepEqual(parsed, definition.options.parse({ name: definition.name }), definition.name);
      assert.deepEqual(config.strategy, parsed, definition.name);
      assert.equal(strategyOf(definition.name, CASES[definition.name].run).name, definition.name);
    }
  });

  it('refuses a name that no definition has', () => {
    assert.equal(strategyOptionsSchema.safeParse('fedsgd').success, false);
    assert.equal(strategyOptionsSchema.safeParse({ name: 'fedsgd' }).success, false);
    assert.throws(
      () => parseRunConfig({ strategy: 'fedsgd' }),
      (e: unknown) => e instanceof ConfigError && e.code === 'FS_ERR_CONFIG' && /strategy\.name/.test(e.message),
    );
  });
});

describe('strategy config', () => {
  it('accepts a bare name with defaults and validates hyper-parameters by name', () => {
    const c = parseRunConfig({ strategy: 'fedadam' });
    assert.deepEqual(c.strategy, {
      name: 'fedadam',
      fractionEvaluate: 1,
      serverLearningRate: 0.1,
      beta1: 0.9,
      beta2: 0.99,
      tau: 1e-9,
    });
    assert.throws(
      () => parseRunConfig({ strategy: { name: 'fedavgm', serverMomentum: 1 } }),
      (e: unknown) => e instanceof ConfigError && /strategy\.serverMomentum/.test(e.message),
    );
    assert.throws(() => parseRunConfig({ strategy: { name: 'fedavg', mu: 1 } }), /strategy: Unrecognized key: "mu"/);
  });

  it('keeps the cross-field Krum rules', () => {
    assert.throws(
      () => parseRunConfig({ strategy: { name: 'krum', numMalicious: 2 }, minClients: 5 }),
      (e: unknown) => e instanceof ConfigError && /krum needs minClients ≥ 2·numMalicious \+ 3 \(7\)/.test(e.message),
    );
    assert.throws(
      () => parseRunConfig({ strategy: { name: 'krum', numSelected: 5 }, minClients: 5 }),
      /strategy\.numSelected: must be ≤ minClients − numMalicious \(4\)/,
    );
  });
});

describe('every strategy', () => {
  it('computes its hand-computed first round', () => {
    for (const name of NAMES) {
      const out = aggregateRound(strategyOf(name, CASES[name].run), [0, 0], ROUND_UPDATES);
      assertClose(out, CASES[name].expected, 1e-6, name);
    }
  });

  it('gives the same result whatever the arrival order (within float tolerance)', () => {
    const rng = createRng(9);
    const ups = Array.from({ length: 9 }, (_, i) =>
      upd(
        `c${i}`,
        Array.from({ length: 50 }, () => normal(rng)),
        1 + Math.floor(rng.next() * 100),
        { effective_examples: rng.next() * 50 },
      ),
    );
    for (const name of NAMES) {
      const first = aggregateRound(strategyOf(name, { minClients: 5 }), new Array(50).fill(0), ups);
      for (let k = 0; k < 3; k++) {
        const again = aggregateRound(
          strategyOf(name, { minClients: 5 }),
          new Array(50).fill(0),
          shuffleInPlace(rng, ups.slice()),
        );
        assertClose(again, first, 1e-5, name);
      }
    }
  });

  it('rejects an update whose length differs from the global model', () => {
    for (const name of NAMES) {
      const acc = strategyOf(name, { minClients: 5 }).beginAggregation(1, weights([0, 0]));
      assert.throws(
        () => acc.add(upd('x', [1, 2, 3])),
        (e: unknown) =>
          e instanceof AggregationError &&
          e.code === 'FS_ERR_AGGREGATION' &&
          /client x: 3 values, expected 2/.test(e.message),
        name,
      );
      acc.dispose();
    }
  });
});
