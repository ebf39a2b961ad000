export { CoordinatorLink, type UpdateToSubmit } from './coordinator-link.js';
export { GlobalModels, type FetchedModel, type ModelSource } from './global-models.js';
export { ModelObjectReader } from './model-object-reader.js';
export type { DownloadedModel } from './model-assembly.js';
