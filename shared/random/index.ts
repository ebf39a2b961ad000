export {
  createRng,
  deriveSeed,
  randomInt,
  shuffleInPlace,
  sampleWithoutReplacement,
  normal,
  gamma,
  dirichlet,
  type Rng,
} from './rng.js';
