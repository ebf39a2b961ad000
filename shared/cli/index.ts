export { intArg, floatArg } from './flags.js';
