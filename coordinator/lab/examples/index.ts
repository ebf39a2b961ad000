export { PENGUINS, CARS, EXAMPLE_TABLES, readRecords, type ExampleTable, type TableRecord } from './datasets.js';
export { writeExample, type ExampleFiles, type ExampleOptions } from './write-example.js';
