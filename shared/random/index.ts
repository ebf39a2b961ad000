export {
  createRng,
  deriveSeed,
  shuffleInPlace,
  sampleWithoutReplacement,
  normal,
  gamma,
  dirichlet,
  type Rng,
} from './rng.js';
