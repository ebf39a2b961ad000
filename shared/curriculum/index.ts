export { curriculumStage } from './pacing.js';
