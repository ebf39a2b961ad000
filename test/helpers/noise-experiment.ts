import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NoiseExperimentOptions } from '../../coordinator/lab/experiments/index.js';

/** A federation of 2 client processes (client 0 noisy), 1 round of the MLP, writing into a fresh folder. */
export function tinyExperiment(o: Partial<NoiseExperimentOptions>): NoiseExperimentOptions {
  const dir = mkdtempSync(join(tmpdir(), 'fedsift-noise-test-'));
  return {
    clients: 2,
    noisyClients: 1,
    rounds: 1,
    localEpochs: 1,
    models: ['mlp'],
    alpha: 0.5,
    seeds: [0],
    noise: ['symmetric:0.4'],
    variants: [],
    ceiling: false,
    out: join(dir, 'results.json'),
    table: join(dir, 'results.md'),
    ...o,
  };
}
