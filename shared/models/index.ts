export { getModelDefinition, modelSpecs, readWeights, writeWeights } from './registry.js';
export { evaluateModel, type EvaluationResult } from './evaluate.js';
export {
  parseModelRef,
  inputSizeOf,
  resolveModel,
  artifactFromWire,
  buildModel,
  saveModelFiles,
  type ModelArtifact,
  type ModelRef,
  type ResolveOptions,
} from './artifact.js';
