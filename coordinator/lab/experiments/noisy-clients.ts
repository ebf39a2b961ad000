import { ConfigError } from '../../../shared/errors/index.js';

/** Which clients get label noise: a count n (clients 0 … n−1) or the explicit client indices (0-based). */
export type NoisyClients = number | readonly number[];

const bad = (message: string) => new ConfigError(`--noisy-clients: ${message}`, { field: 'noisyClients' });

/**
 * Parses `--noisy-clients`: one integer is a count n (clients 0 … n−1); a comma-separated list (`1,3,5,7,9`, or
 * `7,` for client 7 alone) names the noisy clients, 0-based. Range and duplicates are checked by
 * {@link resolveNoisyClients}, once the number of clients is known.
 * @throws {ConfigError} (field noisyClients) when a value is not a non-negative integer or the list is empty.
 */
export function parseNoisyClients(text: string): NoisyClients {
  const parts = text.split(',').map((p) => p.trim());
  const isList = parts.length > 1;
  const values = (isList ? parts.filter(Boolean) : parts).map((p) => (/^\d+$/.test(p) ? Number(p) : NaN));
  if (!values.length || values.some((v) => !Number.isSafeInteger(v)))
    throw bad(`expected a count n (clients 0…n−1) or comma-separated client indices like 1,3,5; got "${text}"`);
  return isList ? values : values[0]!;
}

/**
 * The noisy clients' indices, ascending, for a federation of `clients` client processes.
 * @throws {ConfigError} (field noisyClients) for a count outside [1, clients], an index outside [0, clients − 1], a
 *   duplicate index or an empty list.
 */
export function resolveNoisyClients(spec: NoisyClients, clients: number): number[] {
  if (typeof spec === 'number') {
    if (!Number.isInteger(spec) || spec < 1 || spec > clients)
      throw bad(`a count must be in [1, ${clients}] (the number of clients), got ${spec}`);
    return Array.from({ length: spec }, (_, i) => i);
  }
  if (!spec.length) throw bad('the list of noisy clients is empty');
  const outside = spec.filter((i) => !Number.isInteger(i) || i < 0 || i >= clients);
  if (outside.length)
    throw bad(`client indices must be in [0, ${clients - 1}] (0-based, ${clients} clients), got ${outside.join(', ')}`);
  const duplicates = spec.filter((i, k) => spec.indexOf(i) !== k);
  if (duplicates.length) throw bad(`duplicate client indices ${[...new Set(duplicates)].join(', ')}`);
  return [...spec].sort((a, b) => a - b);
}
