import { ConfigError } from '../../../shared/errors/index.js';

/** Some clients of a federation, as a flag names them: a count n (clients 0 … n−1) or explicit 0-based indices. */
export type ClientSelection = number | readonly number[];

/** The flag a selection came from, for error messages: its name, its config field, and the smallest count it takes. */
export interface SelectionFlag {
  /** e.g. `--noisy-clients`. */
  readonly flag: string;
  /** ConfigError field, e.g. `noisyClients`. */
  readonly field: string;
  /** Smallest count accepted (0: "nobody" is a valid count). */
  readonly minCount: number;
}

/** The ConfigError of a bad selection, prefixed with its flag. */
export function selectionError(f: SelectionFlag, message: string): ConfigError {
  return new ConfigError(`${f.flag}: ${message}`, { field: f.field });
}

/**
 * Parses a count or a comma-separated list of client indices: one integer is a count n; `1,3,5` (or `7,` for
 * client 7 alone) names clients, 0-based. Ranges and duplicates are checked by {@link resolveClientSelection}.
 * @param expected what the flag takes, for the error message.
 * @throws {ConfigError} (f.field) when a value is not a non-negative integer or the list is empty.
 */
export function parseClientSelection(text: string, f: SelectionFlag, expected: string): ClientSelection {
  const parts = text.split(',').map((p) => p.trim());
  const isList = parts.length > 1;
  const values = (isList ? parts.filter(Boolean) : parts).map((p) => (/^\d+$/.test(p) ? Number(p) : NaN));
  if (!values.length || values.some((v) => !Number.isSafeInteger(v)))
    throw selectionError(f, `expected ${expected}; got "${text}"`);
  return isList ? values : values[0]!;
}

/**
 * The selected clients' indices, ascending, in a federation of `clients` clients.
 * @throws {ConfigError} (f.field) for a count outside [f.minCount, clients], an index outside [0, clients − 1], a
 *   duplicate index or an empty list.
 */
export function resolveClientSelection(spec: ClientSelection, clients: number, f: SelectionFlag): number[] {
  if (typeof spec === 'number') {
    if (!Number.isInteger(spec) || spec < f.minCount || spec > clients)
      throw selectionError(f, `a count must be in [${f.minCount}, ${clients}] (the number of clients), got ${spec}`);
    return Array.from({ length: spec }, (_, i) => i);
  }
  if (!spec.length) throw selectionError(f, 'the list of clients is empty');
  const outside = spec.filter((i) => !Number.isInteger(i) || i < 0 || i >= clients);
  if (outside.length) {
    const range = `[0, ${clients - 1}] (0-based, ${clients} clients)`;
    throw selectionError(f, `client indices must be in ${range}, got ${outside.join(', ')}`);
  }
  const duplicates = spec.filter((i, k) => spec.indexOf(i) !== k);
  if (duplicates.length) throw selectionError(f, `duplicate client indices ${[...new Set(duplicates)].join(', ')}`);
  return [...spec].sort((a, b) => a - b);
}
