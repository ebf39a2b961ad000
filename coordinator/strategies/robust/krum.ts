import { z } from 'zod';
import { krumScores, multiKrumSelection, RunningWeightedMean, squaredDistances } from '../aggregate.js';
import { defineStrategy, type OptionsOf } from '../define-strategy.js';
import { fedAvgOptions } from '../fedavg.js';
import type { Strategy } from '../strategy.js';
import { BLOCK_SIZE, bufferingOptions, type Reduction } from './buffered-accumulator.js';
import { BufferedRule } from './buffered-rule.js';
import type { UpdateBuffer } from './update-buffer.js';

/** Fewest updates Krum can score with f Byzantine clients: n ≥ 2f + 3 (Blanchard et al. 2017, Sec. 4). */
function krumQuorum(numMalicious: number): number {
  return 2 * numMalicious + 3;
}

/**
 * Krum and Multi-Krum: score each update by the summed squared distance to its n − f − 2 nearest neighbours, keep the
 * m lowest-scoring updates and average them weighted by examples (m = 1: Krum returns the single most central update).
 * Tolerates f Byzantine clients when n ≥ 2f + 3. Buffers every update (memory budget, then the spill) and computes the
 * n × n distance matrix block by block.
 * @see Blanchard et al. 2017, "Machine Learning with Adversaries: Byzantine Tolerant Gradient Descent", Sec. 4 (Krum)
 *      and Sec. 5 (Multi-Krum); Flower `Krum`.
 */
export class Krum extends BufferedRule<OptionsOf<typeof krum>> {
  override readonly name = 'krum';

  protected get minUpdates(): number {
    return krumQuorum(this.options.numMalicious);
  }

  protected reduce(b: UpdateBuffer): Reduction {
    const { numMalicious: f, numSelected: m } = this.options;
    const distances = Array.from({ length: b.count }, () => new Float64Array(b.count));
    b.forEachBlock(BLOCK_SIZE, (_start, cols) => squaredDistances(cols, distances));
    const used = multiKrumSelection(krumScores(distances, f), m);
    return { values: selectedMean(b, used), used };
  }
}

/** Example-weighted mean of the buffered updates `used` (an update reporting 0 examples counts as 1). */
function selectedMean(b: UpdateBuffer, used: readonly number[]): Float32Array {
  const mean = new RunningWeightedMean(b.length);
  const scratch = new Float32Array(b.length);
  for (const i of used) {
    b.read(i, 0, scratch);
    mean.add(scratch, b.meta(i).numExamples || 1, b.meta(i).clientId);
  }
  return mean.mean().slice();
}

/** Krum / Multi-Krum (Blanchard et al. 2017) in the registry; the run config checks minClients ≥ 2f + 3. */
export const krum = defineStrategy({
  name: 'krum',
  robust: true,
  options: {
    ...fedAvgOptions,
    /** f: Byzantine clients tolerated. @default 1 */
    numMalicious: z.number().int().min(0).default(1),
    /** m: updates averaged after scoring (1 = Krum, more = Multi-Krum). @default 1 */
    numSelected: z.number().int().min(1).default(1),
    ...bufferingOptions,
  },
  create: (settings, options, deps): Strategy => new Krum(settings, options, deps.openSpill),
  checkRun: (run, o) => [
    ...(run.minClients < krumQuorum(o.numMalicious)
      ? [
          {
            path: ['minClients'],
            message: `krum needs minClients ≥ 2·numMalicious + 3 (${krumQuorum(o.numMalicious)})`,
          },
        ]
      : []),
    ...(o.numSelected > run.minClients - o.numMalicious
      ? [
          {
            path: ['strategy', 'numSelected'],
            message: `must be ≤ minClients − numMalicious (${run.minClients - o.numMalicious})`,
          },
        ]
      : []),
  ],
});
