import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FileSpill } from '../../../coordinator/spill/index.js';
import { STRATEGIES, type OpenSpill } from '../../../coordinator/strategies/index.js';
import { AggregationError } from '../../../shared/errors/index.js';
import { createRng, normal } from '../../../shared/random/index.js';
import { assertClose } from '../../helpers/assert-close.js';
import { aggregateRound as aggregate, strategyOf as strategy, upd, weights } from '../../helpers/strategy-rounds.js';

describe('FedAvg family (streaming)', () => {
  it('FedAvgM: v = βv + Δ, w = w + ηv (hand-computed over two rounds)', () => {
    const s = strategy({ name: 'fedavgm', serverLearningRate: 1, serverMomentum: 0.9 });
    const r1 = aggregate(s, [0, 0], [upd('a', [1, 2])], 1);
    assertClose(r1, [1, 2], 1e-6);
    const r2 = aggregate(s, [...r1], [upd('a', [2, 2])], 2);
    assertClose(r2, [2.9, 3.8], 1e-6);
  });

  it('FedAvgM with η = 1, β = 0 is FedAvg', () => {
    const ups = [upd('a', [1, 5], 1), upd('b', [3, -1], 3)];
    assertClose(
      aggregate(strategy({ name: 'fedavgm', serverMomentum: 0 }), [7, 7], ups),
      aggregate(strategy('fedavg'), [7, 7], ups),
      1e-6,
    );
  });

  it('FedProx aggregates like FedAvg and sends μ to the clients', () => {
    const s = strategy({ name: 'fedprox', proximalMu: 0.1 });
    assert.equal(s.configureFit(1, weights([0]), { available: ['a', 'b'] })[0]!.config.proximalMu, 0.1);
    assert.equal(strategy('fedavg').configureFit(1, weights([0]), { available: ['a'] })[0]!.config.proximalMu, 0);
    assertClose(aggregate(s, [0], [upd('a', [1], 1), upd('b', [4], 2)]), [3], 1e-6);
  });

  it('FedAdagrad / FedAdam / FedYogi apply Reddi et al. Alg. 2 (hand-computed first round, Δ = [1, −2])', () => {
    const ups = [upd('a', [1, -2])];
    assertClose(aggregate(strategy('fedadagrad'), [0, 0], ups), [0.1, -0.1], 1e-6);
    assertClose(aggregate(strategy('fedadam'), [0, 0], ups), [0.1, -0.1], 1e-6);
    assertClose(aggregate(strategy('fedyogi'), [0, 0], ups), [0.01 * (0.1 / 0.101), 0.01 * (-0.2 / 0.201)], 1e-7);
  });

  it('FedAdam keeps its moments across rounds', () => {
    const s = strategy('fedadam');
    const r1 = aggregate(s, [0], [upd('a', [1])], 1); // m = 0.1, v = 0.01 → w = 0.1
    const r2 = aggregate(s, [...r1], [upd('a', [1.1])], 2); // Δ = 1: m = 0.19, v = 0.0199 → w = 0.1 + 0.1·0.19/√0.0199
    assertClose(r2, [0.1 + (0.1 * 0.19) / Math.sqrt(0.0199)], 1e-6);
  });

  it('fedavg-effective weights clients by their reported effective sample count Σw', () => {
    const s = strategy('fedavg-effective');
    assertClose(
      aggregate(
        s,
        [0],
        [upd('a', [0], 100, { effective_examples: 10 }), upd('b', [4], 100, { effective_examples: 30 })],
      ),
      [3],
      1e-6,
    );
    assertClose(
      aggregate(s, [0], [upd('a', [0], 100), upd('b', [4], 300, { effective_examples: 300 })]),
      [3],
      1e-6,
      'missing metric: raw count',
    );
  });
});

describe('robust strategies (buffered)', () => {
  it('FedMedian: coordinate-wise median, odd and even counts', () => {
    assertClose(
      aggregate(strategy('fedmedian'), [0, 0], [upd('a', [1, 10]), upd('b', [2, 20]), upd('c', [100, -5])]),
      [2, 10],
      0,
    );
    assertClose(
      aggregate(strategy('fedmedian'), [0], [upd('a', [1]), upd('b', [2]), upd('c', [3]), upd('d', [10])]),
      [2.5],
      0,
    );
  });

  it('FedTrimmedAvg: drops ⌊βK⌋ at each end', () => {
    const five = [1, 2, 3, 4, 100].map((v, i) => upd(`c${i}`, [v]));
    assertClose(aggregate(strategy({ name: 'fedtrimmedavg', beta: 0.2 }), [0], five), [3], 1e-6);
    assertClose(aggregate(strategy({ name: 'fedtrimmedavg', beta: 0 }), [0], five), [22], 1e-6);
  });

  it('Krum picks the most central update; Multi-Krum averages the m best', () => {
    const ups = [0, 1, 2, 3, 100].map((v, i) => upd(`c${i}`, [v]));
    // scores with n − f − 2 = 2 nearest: 0→5, 1→2, 2→2, 3→5, 100→19013; ties broken by arrival index
    assertClose(aggregate(strategy({ name: 'krum', numMalicious: 1 }, { minClients: 5 }), [0], ups), [1], 0);
    assertClose(
      aggregate(strategy({ name: 'krum', numMalicious: 1, numSelected: 3 }, { minClients: 5 }), [0], ups),
      [1],
      1e-6,
    );
  });

  it('Krum refuses to aggregate fewer than 2f + 3 updates', () => {
    const s = strategy({ name: 'krum', numMalicious: 1 }, { minClients: 5 });
    const acc = s.beginAggregation(1, weights([0]));
    [0, 1, 2, 3].forEach((v) => acc.add(upd(`c${v}`, [v])));
    assert.throws(
      () => acc.finish([]),
      (e: unknown) =>
        e instanceof AggregationError &&
        e.code === 'FS_ERR_AGGREGATION' &&
        /round 1: 4 updates, this rule needs at least 5/.test(e.message),
    );
  });

  it('spills updates to the file spill past the memory budget, with the same result, and deletes the file', () => {
    // Prepare: 7 updates of 70,000 values (over one block); the budget holds 2 of them, so 5 go to the spill
    const root = mkdtempSync(join(tmpdir(), 'fedsift-spill-test-'));
    after(() => rmSync(root, { recursive: true, force: true }));
    const opened: FileSpill[] = [];
    const recordingSpill: OpenSpill = (length) => {
      const spill = new FileSpill(length, root);
      opened.push(spill);
      return spill;
    };
    const rng = createRng(4);
    const ups = Array.from({ length: 7 }, (_, i) =>
      upd(
        `c${i}`,
        Array.from({ length: 70_000 }, () => normal(rng)),
      ),
    );
    // every strategy that buffers updates (its options have a memory budget), so a new robust rule is covered too
    const buffering = STRATEGIES.filter((d) => 'memoryBudgetBytes' in d.options.shape).map((d) => d.name);
    for (const known of ['fedmedian', 'fedtrimmedavg', 'krum'] as const) assert.ok(buffering.includes(known), known);
    for (const name of buffering) {
      // Execute
      const inMemory = aggregate(strategy({ name }, { minClients: 5 }, recordingSpill), new Array(70_000).fill(0), ups);
      const spilled = aggregate(
        strategy({ name, memoryBudgetBytes: 2 * 70_000 * 4 }, { minClients: 5 }, recordingSpill),
        new Array(70_000).fill(0),
        ups,
      );
      // Assert
      assert.equal(opened.length, 1, `${name}: one spill, opened only past the budget`);
      assert.equal(opened.pop()!.count, 5, name);
      assert.deepEqual(spilled, inMemory, name);
      assert.deepEqual(readdirSync(root), [], `${name}: the spill file is deleted`);
    }
  });

  it('robust strategies survive one Byzantine client sending a huge update; FedAvg does not', () => {
    // Prepare: 9 honest updates near 1.0, one scaled by 1e6 (and one sign-flipped variant)
    const rng = createRng(11);
    const honest = Array.from({ length: 9 }, (_, i) =>
      upd(
        `h${i}`,
        Array.from({ length: 200 }, () => 1 + 0.01 * normal(rng)),
        100,
      ),
    );
    for (const attack of [1e6, -1e3]) {
      const byzantine = upd(
        'evil',
        Array.from({ length: 200 }, () => attack),
        100,
      );
      const ups = [...honest.slice(0, 4), byzantine, ...honest.slice(4)];
      // Execute / Assert
      const fedavg = aggregate(strategy('fedavg'), new Array(200).fill(1), ups);
      assert.ok(Math.abs(fedavg[0]! - 1) > 50, `fedavg moved to ${fedavg[0]}`);
      for (const s of [
        { name: 'fedmedian' },
        { name: 'fedtrimmedavg', beta: 0.1 },
        { name: 'krum' },
        { name: 'krum', numSelected: 5 },
      ]) {
        const out = aggregate(strategy(s, { minClients: 7 }), new Array(200).fill(1), ups);
        assert.ok(
          out.every((v) => Math.abs(v - 1) < 0.05),
          `${JSON.stringify(s)} with attack ${attack}: max error ${Math.max(...out.map((v) => Math.abs(v - 1)))}`,
        );
      }
    }
  });
});
