import {
  parseClientSelection,
  resolveClientSelection,
  type ClientSelection,
  type SelectionFlag,
} from '../federation/index.js';

/** Which clients get label noise: a count n (clients 0 … n−1) or the explicit client indices (0-based). */
export type NoisyClients = ClientSelection;

const FLAG: SelectionFlag = { flag: '--noisy-clients', field: 'noisyClients', minCount: 1 };

/**
 * Parses `--noisy-clients`: one integer is a count n (clients 0 … n−1); a comma-separated list (`1,3,5,7,9`, or
 * `7,` for client 7 alone) names the noisy clients, 0-based. Range and duplicates are checked by
 * {@link resolveNoisyClients}, once the number of clients is known.
 * @throws {ConfigError} (field noisyClients) when a value is not a non-negative integer or the list is empty.
 */
export function parseNoisyClients(text: string): NoisyClients {
  return parseClientSelection(text, FLAG, 'a count n (clients 0…n−1) or comma-separated client indices like 1,3,5');
}

/**
 * The noisy clients' indices, ascending, for a federation of `clients` client processes.
 * @throws {ConfigError} (field noisyClients) for a count outside [1, clients], an index outside [0, clients − 1], a
 *   duplicate index or an empty list.
 */
export function resolveNoisyClients(spec: NoisyClients, clients: number): number[] {
  return resolveClientSelection(spec, clients, FLAG);
}
