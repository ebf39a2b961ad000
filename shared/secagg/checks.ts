import { SecAggProtocolError } from '../errors/index.js';

/**
 * Input checks both ends of SecAgg+ run on every message. Each throws SecAggProtocolError with `clientId` = the
 * client whose message it is (`who`) and the bad `field`, and mutates nothing.
 */

/** @throws {SecAggProtocolError} when a message names another round. */
export function expectRound(round: unknown, expected: number, who: string): void {
  if (round !== expected)
    throw new SecAggProtocolError(`message from ${who} is for round ${String(round)}, this is round ${expected}`, {
      clientId: who,
      round: expected,
      field: 'round',
    });
}

/** @throws {SecAggProtocolError} when `ids` lists an id twice or one outside `allowed`. */
export function expectIdsWithin(
  ids: readonly string[],
  allowed: ReadonlySet<string>,
  who: string,
  field: string,
): void {
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) throw new SecAggProtocolError(`${field} from ${who} lists ${id} twice`, { clientId: who, field });
    if (!allowed.has(id))
      throw new SecAggProtocolError(`${field} from ${who} names ${id}, which is not expected there`, {
        clientId: who,
        field,
      });
    seen.add(id);
  }
}

/** @throws {SecAggProtocolError} when `ids` (already checked within `expected`) misses one of `expected`. */
export function expectAllOf(ids: readonly string[], expected: ReadonlySet<string>, who: string, field: string): void {
  if (ids.length !== expected.size) {
    const missing = [...expected].filter((id) => !ids.includes(id));
    throw new SecAggProtocolError(`${field} from ${who} lacks ${missing.join(', ')}`, { clientId: who, field });
  }
}

/** @throws {SecAggProtocolError} when a byte field is not a Uint8Array of `length` bytes. */
export function expectBytes(value: unknown, length: number, who: string, field: string): void {
  if (!(value instanceof Uint8Array) || value.length !== length)
    throw new SecAggProtocolError(
      `${field} from ${who} must be ${length} bytes, got ${value instanceof Uint8Array ? value.length : typeof value}`,
      { clientId: who, field },
    );
}
