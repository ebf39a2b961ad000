import type { LayersModel } from '@tensorflow/tfjs';
import type { Dataset } from '../data/index.js';
import { DataError } from '../errors/index.js';
import type { Tf } from '../tf/index.js';

/**
 * One example's input shape of a model (its first input without the batch dimension: [784], [28, 28, 1]).
 * @throws {DataError} for a dimension the model leaves open (a sequence of any length): the site's flat rows cannot
 *         be shaped for it.
 */
export function exampleShape(model: LayersModel): number[] {
  const shape = model.inputs[0]!.shape.slice(1);
  if (!shape.every((d): d is number => typeof d === 'number' && d > 0))
    throw new DataError(
      `the model's input shape [${shape.join(', ')}] has an open dimension; fedsift needs fixed sizes`,
    );
  return shape;
}

/** Mean softmax cross-entropy (nats per sample) and accuracy (share in [0, 1]) of a model on a dataset. */
export interface EvaluationResult {
  loss: number;
  accuracy: number;
  numExamples: number;
}

/**
 * Evaluates a logits model on every example of `ds`, in batches of `batchSize` samples (≥ 500 on wasm: small predict
 * batches are 30× slower there, platform-probes.md §2). The flat rows of `ds` ([n × numFeatures], numFeatures = the
 * product of the model's input shape) are fed as [batch, ...inputShape], the shape read from `model.inputs[0]`, so an
 * image model (H×W×C input) evaluates on a flat dataset. Labels are one-hot over the model's K outputs (a dataset may
 * hold fewer classes). All intermediate tensors are disposed.
 */
export function evaluateModel(tf: Tf, model: LayersModel, ds: Dataset, batchSize = 1000): EvaluationResult {
  const n = ds.labels.length,
    d = ds.numFeatures;
  const inputShape = exampleShape(model),
    numClasses = model.outputs[0]!.shape[1] as number;
  let lossSum = 0,
    correct = 0;
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(start + batchSize, n);
    const [l, c] = tf.tidy(() => {
      const x = tf.tensor(ds.features.subarray(start * d, end * d), [end - start, ...inputShape]);
      const y = tf.tensor1d(ds.labels.subarray(start, end), 'int32');
      const logits = model.predict(x) as import('@tensorflow/tfjs').Tensor2D;
      const loss = tf.losses.softmaxCrossEntropy(
        tf.oneHot(y, numClasses),
        logits,
        undefined,
        undefined,
        tf.Reduction.SUM,
      );
      const hits = tf.equal(tf.argMax(logits, 1), y).sum();
      return [loss.dataSync()[0]!, hits.dataSync()[0]!];
    });
    lossSum += l;
    correct += c;
  }
  return { loss: n ? lossSum / n : NaN, accuracy: n ? correct / n : NaN, numExamples: n };
}
