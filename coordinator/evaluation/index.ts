export { type ModelRuntime, type RunModel, TfModelRuntime } from './model-runtime.js';
