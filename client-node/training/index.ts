export { LocalTrainer, type LocalFitResult, type TrainOptions } from './local-trainer.js';
export { weightedSoftmaxCrossEntropy } from './weighted-loss.js';
