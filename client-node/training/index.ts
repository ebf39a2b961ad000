export { LocalTrainer, proximalTerm, type LocalFitConfig, type LocalFitResult } from './local-trainer.js';
export { weightedSoftmaxCrossEntropy } from './weighted-loss.js';
