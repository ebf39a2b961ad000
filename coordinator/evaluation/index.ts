export { type ModelRuntime, TfModelRuntime } from './model-runtime.js';
