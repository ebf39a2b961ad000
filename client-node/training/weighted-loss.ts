import type { Scalar, Tensor1D, Tensor2D } from '@tensorflow/tfjs';
import type { Tf } from '../../shared/tf/index.js';

/**
 * Sample-weighted softmax cross-entropy of a batch, normalised by the batch's total weight:
 * L = Σᵢ wᵢ·CE(yᵢ, softmax(zᵢ)) / Σᵢ wᵢ, and L = 0 (not 0/0) when every weight is 0. Without weights it is the plain
 * batch mean. tfjs `fit` has no per-sample weights (tfjs#25), hence this custom loss; its `SUM_BY_NONZERO_WEIGHTS`
 * default would divide by the count of non-zero weights instead (BR-11).
 * @param labels one-hot [batch, classes]; @param logits [batch, classes]; @param weights [batch], ≥ 0.
 */
export function weightedSoftmaxCrossEntropy(tf: Tf, labels: Tensor2D, logits: Tensor2D, weights?: Tensor1D): Scalar {
  return tf.tidy(() => {
    if (!weights)
      return tf.losses.softmaxCrossEntropy(labels, logits, undefined, undefined, tf.Reduction.MEAN) as Scalar;
    const total = tf.losses.softmaxCrossEntropy(labels, logits, weights, undefined, tf.Reduction.SUM);
    return tf.div(total, tf.maximum(tf.sum(weights), 1e-12)) as Scalar;
  });
}
