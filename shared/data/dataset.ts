import { DataError } from '../errors/index.js';

/**
 * Labelled examples held in memory: `features` is row-major [numExamples × numFeatures] float32, `labels` holds one
 * class index in [0, numClasses) per example.
 */
export interface Dataset {
  readonly features: Float32Array;
  readonly labels: Int32Array;
  readonly numFeatures: number;
  readonly numClasses: number;
}

/** Number of examples in a dataset. */
export function numExamples(ds: Dataset): number {
  return ds.labels.length;
}

/** Copies the examples at `indices` (in that order) into a new dataset. @throws {DataError} on an index out of range. */
export function subset(ds: Dataset, indices: ArrayLike<number>): Dataset {
  const n = indices.length,
    d = ds.numFeatures;
  const features = new Float32Array(n * d);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const src = indices[i]!;
    if (!(src >= 0 && src < ds.labels.length))
      throw new DataError(`subset: index ${src} out of range [0, ${ds.labels.length})`);
    features.set(ds.features.subarray(src * d, (src + 1) * d), i * d);
    labels[i] = ds.labels[src]!;
  }
  return { features, labels, numFeatures: d, numClasses: ds.numClasses };
}

/**
 * Classes a site's labels need: 1 + the largest label (0 for no labels). A model fits them when its class count is at
 * least this (ClientCapabilities.num_label_classes).
 */
export function labelClassCount(labels: Int32Array): number {
  let max = -1;
  for (const y of labels) if (y > max) max = y;
  return max + 1;
}

/** Examples per class: an array of length numClasses. */
export function classCounts(ds: Pick<Dataset, 'labels' | 'numClasses'>): number[] {
  const counts = new Array<number>(ds.numClasses).fill(0);
  for (const y of ds.labels) counts[y]!++;
  return counts;
}

/**
 * Checks internal consistency and that the data fits a model's input and output sizes.
 * @throws {DataError} naming what does not fit.
 */
export function assertFitsModel(ds: Dataset, inputSize: number, numClasses: number): void {
  if (ds.features.length !== ds.labels.length * ds.numFeatures) {
    throw new DataError(
      `dataset has ${ds.features.length} feature values for ${ds.labels.length} examples × ${ds.numFeatures} features`,
    );
  }
  if (ds.numFeatures !== inputSize)
    throw new DataError(`data has ${ds.numFeatures} features per example, the model expects ${inputSize}`);
  const bad = ds.labels.findIndex((y) => y < 0 || y >= numClasses);
  if (bad >= 0) throw new DataError(`example ${bad} has label ${ds.labels[bad]}, outside [0, ${numClasses})`);
  if (ds.labels.length === 0) throw new DataError('dataset is empty');
}
