export {
  writePenguinsExample,
  PENGUINS_SCHEMA,
  type PenguinsExample,
  type PenguinsExampleOptions,
} from './penguins.js';
