export { CoordinatorLink, type UpdateToSubmit } from './coordinator-link.js';
