export { intArg, floatArg, insecureFromEnv } from './flags.js';
