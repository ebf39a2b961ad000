import { InvalidArgumentError, type Command } from 'commander';

/** Commander parser for an integer flag: refuses `1e3`, `1.5`, `50051abc` instead of truncating them. */
export function intArg(value: string): number {
  if (!/^[+-]?\d+$/.test(value.trim())) throw new InvalidArgumentError('expected an integer.');
  return Number.parseInt(value, 10);
}

/** Commander parser for an integer flag that must be ≥ 1 (a count, a number of days). */
export function positiveIntArg(value: string): number {
  const n = intArg(value);
  if (n < 1) throw new InvalidArgumentError('expected an integer ≥ 1.');
  return n;
}

/** Commander parser for a finite decimal flag (`0.5`, `1e-3`). */
export function floatArg(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('expected a number.');
  return n;
}

/** True when $FEDSIFT_INSECURE asks for plain-text gRPC (`1` or `true`): the default of every `--insecure` flag. */
export function insecureFromEnv(): boolean {
  return ['1', 'true'].includes((process.env.FEDSIFT_INSECURE ?? '').toLowerCase());
}

/**
 * Adds the TLS flags of a gRPC client of the coordinator (--tls-ca, --tls-cert, --tls-key) and --insecure to `cmd`;
 * `holder` names whose certificate --tls-cert is in the help (e.g. "this site's"). Read them with clientTlsFromFlags.
 */
export function addClientTlsOptions(cmd: Command, holder: string): Command {
  return cmd
    .option('--tls-ca <file>', "CA of the coordinator's TLS certificate (PEM)")
    .option('--tls-cert <file>', `mutual TLS: ${holder} certificate (PEM); with --tls-key`)
    .option('--tls-key <file>', `mutual TLS: ${holder} private key (PEM)`)
    .option(
      '--insecure',
      'plain-text gRPC to the coordinator (development only; default $FEDSIFT_INSECURE)',
      insecureFromEnv(),
    );
}

/** The client TLS config the flags ask for (PEM file paths): set when --tls-ca is given, else null (plain text). */
export function clientTlsFromFlags(o: {
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
}): { caFile: string; certFile?: string; keyFile?: string } | null {
  return o.tlsCa ? { caFile: o.tlsCa, certFile: o.tlsCert, keyFile: o.tlsKey } : null;
}
