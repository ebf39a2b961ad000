#!/usr/bin/env node
// Entry point of the `fedsift` command: runs the TypeScript sources through tsx (no build step).
import { register } from 'tsx/esm/api';

// grpc-js hands Node the coordinator's address as the TLS server name even when it is an IP address, and Node then
// prints DEP0123 ("Setting the TLS ServerName to an IP address…") once per process; the certificate is still checked
// against the address (subjectAltName IP). Only that warning is dropped; every other one prints as usual.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning, ...rest) => {
  const code = typeof rest[0] === 'object' ? rest[0]?.code : rest[1];
  if (code !== 'DEP0123') emitWarning(warning, ...rest);
};

// `npm run fedsift -- …` runs this from the package's folder; INIT_CWD is where the user typed the command. Relative
// paths (--out certs, --state-dir, --config, data files) must mean what they meant there: certificates and keys written
// into the repository are one `git add .` away from a commit.
if (process.env.npm_lifecycle_event && process.env.INIT_CWD) process.chdir(process.env.INIT_CWD);

register();
await import('./main.ts');
