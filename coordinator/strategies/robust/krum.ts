import type { ModelWeights } from '../../../shared/codec/index.js';
import type { RunConfig, StrategyOptionsOf } from '../../config/index.js';
import { FedAvg } from '../fedavg.js';
import type { FitAccumulator } from '../strategy.js';
import { RunningWeightedMean } from '../weighted-mean.js';
import { BLOCK_SIZE, BufferedAccumulator, type Reduction } from './buffered-accumulator.js';
import type { UpdateBuffer } from './update-buffer.js';

/**
 * Krum scores: for each update i, the sum of squared distances to its n − f − 2 nearest other updates
 * (float64, accumulated block by block over the buffered updates).
 * @returns one score per update (lower = more central).
 */
function krumScores(buffer: UpdateBuffer, numMalicious: number): number[] {
  const n = buffer.count;
  const d = Array.from({ length: n }, () => new Float64Array(n));
  buffer.forEachBlock(BLOCK_SIZE, (_start, cols) => {
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const a = cols[i]!,
          b = cols[j]!;
        let s = 0;
        for (let x = 0; x < a.length; x++) {
          const diff = a[x]! - b[x]!;
          s += diff * diff;
        }
        d[i]![j]! += s;
        d[j]![i]! += s;
      }
    }
  });
  const nearest = Math.max(1, n - numMalicious - 2);
  return d.map((row, i) =>
    [...row]
      .filter((_, j) => j !== i)
      .sort((a, b) => a - b)
      .slice(0, nearest)
      .reduce((s, v) => s + v, 0),
  );
}

/**
 * Krum and Multi-Krum: score each update by the summed squared distance to its n − f − 2 nearest neighbours, keep the
 * m lowest-scoring updates and average them weighted by examples (m = 1: Krum returns the single most central update).
 * Tolerates f Byzantine clients when n ≥ 2f + 3. Buffers every update (memory budget, then disk) and computes the
 * n × n distance matrix block by block.
 * @see Blanchard et al. 2017, "Machine Learning with Adversaries: Byzantine Tolerant Gradient Descent", Sec. 4 (Krum)
 *      and Sec. 5 (Multi-Krum); Flower `Krum`.
 */
export class Krum extends FedAvg {
  override readonly name = 'krum';

  constructor(
    config: RunConfig,
    private readonly options: StrategyOptionsOf<'krum'>,
  ) {
    super(config);
  }

  override beginAggregation(round: number, global: ModelWeights): FitAccumulator {
    const { numMalicious: f, numSelected: m, memoryBudgetBytes } = this.options;
    return new BufferedAccumulator(round, global, memoryBudgetBytes, 2 * f + 3, (b): Reduction => {
      const scores = krumScores(b, f);
      const used = scores
        .map((s, i) => [s, i] as const)
        .sort((x, y) => x[0] - y[0] || x[1] - y[1])
        .slice(0, m)
        .map(([, i]) => i);
      const mean = new RunningWeightedMean(b.length);
      const scratch = new Float32Array(b.length);
      for (const i of used) {
        b.read(i, 0, scratch);
        mean.add(scratch, b.meta(i).numExamples || 1, b.meta(i).clientId);
      }
      return { values: mean.mean().slice(), used };
    });
  }
}
