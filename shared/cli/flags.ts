import { InvalidArgumentError } from 'commander';

/** Commander parser for an integer flag: refuses `1e3`, `1.5`, `50051abc` instead of truncating them. */
export function intArg(value: string): number {
  if (!/^[+-]?\d+$/.test(value.trim())) throw new InvalidArgumentError('expected an integer.');
  return Number.parseInt(value, 10);
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
