export { type Dataset, subset, classCounts, labelClassCount, assertFitsModel } from './dataset.js';
export { MNIST_TEST_SIZE, loadMnistSplit } from './mnist.js';
export { dirichletPartition, iidPartition } from './partition.js';
export { loadCsv, parseCsvRows, readCsvRows } from './csv.js';
export { decodeIdx, readIdx, idxToDataset } from './idx.js';
export { loadDataSource } from './source.js';
