export { type PacingFunction, type Pacing, curriculumStage } from './pacing.js';
