import {
  parseClientSelection,
  resolveClientSelection,
  selectionError,
  type ClientSelection,
  type SelectionFlag,
} from './client-selection.js';

/**
 * Which clients are slowed on purpose and by how much (`--slow-clients`): `clients` is a count K (clients 0 … K−1)
 * or explicit 0-based client indices; each of them takes `factor` times as long for its local training.
 */
export interface SlowClients {
  readonly clients: ClientSelection;
  /** F ≥ 1: a slow client's weighting and training take F times their measured wall time. */
  readonly factor: number;
}

const FLAG: SelectionFlag = { flag: '--slow-clients', field: 'slowClients', minCount: 0 };
const bad = (message: string) => selectionError(FLAG, message);

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
  const clients = parseClientSelection(match[1]!, FLAG, EXPECTED);
  const factor = /^[0-9.eE+]+$/.test(match[2]!) ? Number(match[2]) : NaN;
  if (!(Number.isFinite(factor) && factor >= 1))
    throw bad(`the slowdown F must be a finite number ≥ 1 (1 = full speed), got "${match[2]}" in "${text}"`);
  return { clients, factor };
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
  const indices = resolveClientSelection(spec.clients, clients, FLAG);
  return new Map(spec.factor === 1 ? [] : indices.map((i) => [i, spec.factor]));
}

/** A slowed client as a result file lists it: its 0-based index and its factor F > 1. */
export interface SlowClient {
  index: number;
  factor: number;
}

/** The slowed clients of resolveSlowClients as a result file lists them, by ascending index. */
export function listSlowClients(slow: ReadonlyMap<number, number>): SlowClient[] {
  return [...slow].map(([index, factor]) => ({ index, factor })).sort((a, b) => a.index - b.index);
}

/**
 * How a start line names the slowed clients: `clients 0, 1, 2 train 5× slower`, `client 3 trains 5× slower`, or
 * `no slowed clients`. They share one factor (one `--slow-clients` flag gives one), the first one's.
 */
export function describeSlowClients(slow: readonly SlowClient[]): string {
  if (!slow.length) return 'no slowed clients';
  const ids = slow.map((c) => c.index).join(', ');
  const factor = slow[0]!.factor;
  return slow.length === 1 ? `client ${ids} trains ${factor}× slower` : `clients ${ids} train ${factor}× slower`;
}
