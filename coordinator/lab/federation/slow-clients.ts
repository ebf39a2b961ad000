import { ConfigError } from '../../../shared/errors/index.js';

/**
 * Which clients are slowed on purpose and by how much (`--slow-clients`): `clients` is a count K (clients 0 … K−1)
 * or explicit 0-based client indices; each of them takes `factor` times as long for its local training.
 */
export interface SlowClients {
  readonly clients: number | readonly number[];
  /** F ≥ 1: a slow client's weighting and training take F times their measured wall time. */
  readonly factor: number;
}

const bad = (message: string) => new ConfigError(`--slow-clients: ${message}`, { field: 'slowClients' });

const EXPECTED = 'K:Fx (clients 0…K−1 are F times slower, e.g. 3:5x) or indices:Fx (e.g. 1,3,5:5x)';

/**
 * Parses `--slow-clients`: `K:Fx` makes clients 0 … K−1 F times slower, `1,3,5:Fx` (or `7,:Fx` for client 7 alone)
 * names them, 0-based; the `x` is optional. The range of K and of the indices is checked by
 * {@link resolveSlowClients}, once the number of clients is known.
 * @throws {ConfigError} (field slowClients) when the form is not one of those, a count or index is not a
 *   non-negative integer, or F is not a finite number ≥ 1.
 */
export function parseSlowClients(text: string): SlowClients {
  const match = /^([^:]+):\s*([^:]+?)\s*x?\s*$/i.exec(text.trim());
  if (!match) throw bad(`expected ${EXPECTED}; got "${text}"`);
  const parts = match[1]!.split(',').map((p) => p.trim());
  const isList = parts.length > 1;
  const values = (isList ? parts.filter(Boolean) : parts).map((p) => (/^\d+$/.test(p) ? Number(p) : NaN));
  if (!values.length || values.some((v) => !Number.isSafeInteger(v))) throw bad(`expected ${EXPECTED}; got "${text}"`);
  const factor = /^[0-9.eE+]+$/.test(match[2]!) ? Number(match[2]) : NaN;
  if (!(Number.isFinite(factor) && factor >= 1))
    throw bad(`the slowdown F must be a finite number ≥ 1 (1 = full speed), got "${match[2]}" in "${text}"`);
  return { clients: isList ? values : values[0]!, factor };
}

/**
 * The slowdown factor of each slowed client, by 0-based index, for a federation of `clients` clients; clients not
 * in the map run at full speed. A count of 0 (or F = 1) slows nobody: an empty map.
 * @throws {ConfigError} (field slowClients) for a count outside [0, clients], an index outside [0, clients − 1], a
 *   duplicate index, or a factor that is not a finite number ≥ 1.
 */
export function resolveSlowClients(spec: SlowClients, clients: number): ReadonlyMap<number, number> {
  if (!(Number.isFinite(spec.factor) && spec.factor >= 1))
    throw bad(`the slowdown F must be a finite number ≥ 1, got ${spec.factor}`);
  const which = spec.clients;
  let indices: number[];
  if (typeof which === 'number') {
    if (!Number.isInteger(which) || which < 0 || which > clients)
      throw bad(`a count must be in [0, ${clients}] (the number of clients), got ${which}`);
    indices = Array.from({ length: which }, (_, i) => i);
  } else {
    if (!which.length) throw bad('the list of slow clients is empty');
    const outside = which.filter((i) => !Number.isInteger(i) || i < 0 || i >= clients);
    if (outside.length)
      throw bad(
        `client indices must be in [0, ${clients - 1}] (0-based, ${clients} clients), got ${outside.join(', ')}`,
      );
    const duplicates = which.filter((i, k) => which.indexOf(i) !== k);
    if (duplicates.length) throw bad(`duplicate client indices ${[...new Set(duplicates)].join(', ')}`);
    indices = [...which].sort((a, b) => a - b);
  }
  return new Map(spec.factor === 1 ? [] : indices.map((i) => [i, spec.factor]));
}

/** How a start line names the slowed clients: `clients 0, 1, 2 train 5× slower`, `client 3 trains 2× slower`, or `no slowed clients`. */
export function describeSlowClients(slow: ReadonlyMap<number, number>, prefix = 'client'): string {
  if (!slow.size) return 'no slowed clients';
  const byFactor = new Map<number, number[]>();
  for (const [i, f] of slow) byFactor.set(f, [...(byFactor.get(f) ?? []), i]);
  return [...byFactor]
    .map(([f, ids]) =>
      ids.length === 1 ? `${prefix} ${ids[0]} trains ${f}× slower` : `${prefix}s ${ids.join(', ')} train ${f}× slower`,
    )
    .join('; ');
}
