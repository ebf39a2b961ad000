export { intArg, positiveIntArg, floatArg, insecureFromEnv, addClientTlsOptions, clientTlsFromFlags } from './flags.js';
