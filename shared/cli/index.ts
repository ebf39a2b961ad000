export { intArg, floatArg, insecureFromEnv, addClientTlsOptions, clientTlsFromFlags } from './flags.js';
