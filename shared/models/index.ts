export { getModelDefinition, modelSpecs, readWeights, writeWeights } from './registry.js';
export { evaluateModel, exampleShape, type EvaluationResult } from './evaluate.js';
export {
  parseModelRef,
  inputSizeOf,
  resolveModel,
  artifactFromWire,
  buildModel,
  type ModelArtifact,
} from './artifact.js';
export { saveModelFiles } from './model-files.js';
