export { type Dataset, numExamples, subset, classCounts, assertFitsModel } from './dataset.js';
export { MNIST_TEST_SIZE, loadMnistAll, loadMnistSplit } from './mnist.js';
export { dirichletPartition, iidPartition } from './partition.js';
export { loadCsv, parseCsvRows, type CsvOptions } from './csv.js';
export { decodeIdx, readIdx, idxToDataset, type IdxArray } from './idx.js';
export { loadDataSource } from './source.js';
