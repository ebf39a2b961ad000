/**
 * Which coordinator address a client turns to after a failed call: the pure rule behind following the leader of a
 * federation run by several coordinators (one leader, standbys). No I/O: the link (coordinator-addresses.ts) applies it.
 */
import { status } from '@grpc/grpc-js';
import { formatHostPort, parseHostPort } from '../../shared/config/index.js';
import { NotLeaderError } from '../../shared/errors/index.js';

/** A failed call, as far as the choice needs it: its gRPC status, the fedsift error code it carried, its details. */
export interface CallFailure {
  code: status;
  /** The coordinator's FS_ERR_* code (shared/grpc-errors errorCodeOf); undefined when it sent none. */
  fedsiftCode?: string;
  details: string;
}

/** Where the client is: its position in the address list, and the address it talks to. */
export interface AddressPosition {
  /**
   * The list entry it is at; when `address` is not in the list (the leader a standby named), the entry it was at
   * before, so that a failure there goes on with the entry after it.
   */
  index: number;
  address: string;
}

/** Why the client moves: the address failed to answer, or it is a standby (naming the leader, or not). */
export type MoveReason = 'unreachable' | 'standby' | 'standby named the leader';

/** The position to try next, and why. */
export type AddressStep = AddressPosition & { reason: MoveReason };

/** Hosts a server listens on but a client cannot dial: an advertised address of that kind names no one. */
const UNSPECIFIED_HOSTS: ReadonlySet<string> = new Set(['0.0.0.0', '::', '']);

/**
 * The leader's address a standby's refusal names ("this coordinator is a standby; the leader is 10.0.0.2:50051"),
 * in the list's `host:port` form.
 * @returns undefined when the details name none that a client can dial (not host:port, or an unspecified host).
 */
export function leaderNamedBy(details: string): string | undefined {
  const named = /\bleader is (\S+?)[.;,)]?(?:\s|$)/.exec(details)?.[1];
  const parsed = named === undefined ? undefined : parseHostPort(named);
  if (parsed === undefined || typeof parsed === 'string' || UNSPECIFIED_HOSTS.has(parsed.host)) return undefined;
  return formatHostPort(parsed);
}

/**
 * The address to try after a call at `at` failed with `failure`. Only UNAVAILABLE moves the client (the address
 * cannot be reached, dropped the connection, or is not the leader: a standby's NotLeaderError, or a coordinator that
 * lost its lease or its database); any other failure is about the call, and another coordinator would answer alike.
 * A standby's refusal that names a dialable leader other than `at.address` sends the client there (its list entry,
 * or outside the list); otherwise the client goes on with the next entry, round the list. With one address and no
 * leader named, the step stays where it is (the channel reconnects by itself, as with one coordinator).
 * @param list the addresses in order (at least one), in `host:port` form.
 * @returns the next position and why; undefined when the failure is no reason to change coordinator.
 */
export function nextAddress(
  list: readonly string[],
  at: AddressPosition,
  failure: CallFailure,
): AddressStep | undefined {
  if (failure.code !== status.UNAVAILABLE) return undefined;
  const standby = failure.fedsiftCode === NotLeaderError.code;
  const leader = standby ? leaderNamedBy(failure.details) : undefined;
  if (leader !== undefined && leader !== at.address) {
    const listed = list.indexOf(leader);
    return { index: listed >= 0 ? listed : at.index, address: leader, reason: 'standby named the leader' };
  }
  const index = (at.index + 1) % list.length;
  return { index, address: list[index]!, reason: standby ? 'standby' : 'unreachable' };
}
