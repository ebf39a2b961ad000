#!/usr/bin/env node
// Entry point of the `fedsift` command: runs the TypeScript sources through tsx (no build step).
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
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
// into the repository are one `git add .` away from a commit. Only that script, and only when npm put us in the
// package folder (processes a fedsift command spawns inherit npm's variables and keep their own working directory).
const packageRoot = fileURLToPath(new URL('../../', import.meta.url));
const { npm_lifecycle_event: script, INIT_CWD: typedIn } = process.env;
if (script === 'fedsift' && typedIn && resolve(process.cwd()) === resolve(packageRoot)) {
  try {
    process.chdir(typedIn);
  } catch (err) {
    console.error(`fedsift: cannot enter ${typedIn}, the folder npm was run from: ${err.message}`);
    process.exit(2);
  }
}

// tsx reads the tsconfig of the working directory: compile fedsift's sources with fedsift's own, wherever that is.
register({ tsconfig: fileURLToPath(new URL('../../tsconfig.json', import.meta.url)) });
await import('./main.ts');
