export { CoordinatorLink } from './coordinator-link.js';
export { type UpdateToSubmit } from './update-upload.js';
export { CoordinatorAddresses, type CoordinatorTarget, type HostLookup } from './coordinator-addresses.js';
export { nextAddress, leaderNamedBy, type CallFailure } from './address-choice.js';
export { GlobalModels, type ModelSource } from './global-models.js';
export { ModelObjectReader } from './model-object-reader.js';
export { modelValues, type DownloadedModel } from './model-assembly.js';
