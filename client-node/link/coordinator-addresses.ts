import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';
import { formatHostPort, parseCoordinatorList, type HostPort } from '../../shared/config/index.js';
import { errorCodeOf, isServiceError } from '../../shared/grpc-errors/index.js';
import type { Logger } from '../../shared/logging/index.js';
import { nextAddress, type AddressPosition } from './address-choice.js';

/** One address a link can open a channel to. */
export interface CoordinatorTarget {
  /** `host:port` the channel dials. */
  address: string;
  /**
   * The DNS name `address` was resolved from, when a name with several records was expanded into its addresses: TLS
   * checks the coordinator's certificate against it, and calls carry it as their authority, as if the name was dialled.
   */
  hostName?: string;
}

/** The addresses a host name resolves to (node:dns `lookup` with `all: true`: the system resolver, /etc/hosts too). */
export type HostLookup = (host: string) => Promise<readonly { address: string }[]>;

const systemLookup: HostLookup = (host) => dns.lookup(host, { all: true });

/**
 * The channel targets of the entries: an IP address as it is; a host name that resolves to several addresses
 * expanded into one target per address (same port, `hostName` kept); any other name as it is (grpc-js resolves it,
 * and reports a name that does not resolve as it always did). Duplicates are dropped, order kept.
 */
async function expand(entries: readonly HostPort[], lookup: HostLookup): Promise<CoordinatorTarget[]> {
  const targets = new Map<string, CoordinatorTarget>();
  for (const { host, port } of entries) {
    const records = isIP(host) ? [] : await lookup(host).catch(() => []);
    const addresses = [...new Set(records.map((r) => r.address))];
    if (addresses.length < 2) targets.set(formatHostPort({ host, port }), { address: formatHostPort({ host, port }) });
    else
      for (const ip of addresses)
        targets.set(formatHostPort({ host: ip, port }), {
          address: formatHostPort({ host: ip, port }),
          hostName: host,
        });
  }
  return [...targets.values()];
}

/**
 * The coordinators of a federation as one client sees them: its `--coordinator` list (DNS names with several records
 * expanded), and the one it talks to now. A failed call moves it (nextAddress: on to the next entry, or to the leader
 * a standby names), logging where and why; when every address failed, the names are resolved again (refresh).
 */
export class CoordinatorAddresses {
  private at: AddressPosition & { target: CoordinatorTarget };

  private constructor(
    private readonly entries: readonly HostPort[],
    private targets: CoordinatorTarget[],
    private readonly lookup: HostLookup,
    private readonly logger?: Logger,
  ) {
    this.at = { index: 0, address: targets[0]!.address, target: targets[0]! };
  }

  /**
   * The addresses of `spec` (a `host:port`, or a comma-separated list of them; see parseCoordinatorList), host names
   * with several DNS records expanded; the first one in use. Logs the expanded list when a name was expanded.
   * @param lookup resolves host names (default: the system resolver).
   * @throws {Error} when `spec` is not a valid list (the client config was validated before).
   */
  static async resolve(
    spec: string,
    logger?: Logger,
    lookup: HostLookup = systemLookup,
  ): Promise<CoordinatorAddresses> {
    const list = parseCoordinatorList(spec);
    if ('problems' in list) throw new Error(`coordinator addresses "${spec}": ${list.problems.join('; ')}`);
    const addresses = new CoordinatorAddresses(list.addresses, await expand(list.addresses, lookup), lookup, logger);
    if (addresses.targets.length > list.addresses.length)
      logger?.info({ coordinator: spec, addresses: addresses.targets.map((t) => t.address) }, 'coordinator addresses');
    return addresses;
  }

  /**
   * The addresses of `spec` as given, without DNS: a list's entries, or `spec` itself as the one address when it is
   * not a list of `host:port` (a link of a test or a tool, dialling what it is told); or the one target given.
   * Nothing is logged.
   */
  static of(spec: string | CoordinatorTarget): CoordinatorAddresses {
    if (typeof spec !== 'string') return new CoordinatorAddresses([], [spec], systemLookup);
    const list = parseCoordinatorList(spec);
    const entries = 'problems' in list ? [] : list.addresses;
    const targets = 'problems' in list ? [{ address: spec }] : entries.map((e) => ({ address: formatHostPort(e) }));
    return new CoordinatorAddresses(entries, targets, systemLookup);
  }

  /** The address in use. */
  get current(): CoordinatorTarget {
    return this.at.target;
  }

  /** Every address, in order (DNS names expanded). */
  get all(): readonly CoordinatorTarget[] {
    return this.targets;
  }

  /**
   * After a call at `failedAt` failed with `err`: where to call next. Moves when the failure says so (nextAddress),
   * logging from where, to where and why; when another call's failure moved it already, stays at the new address.
   * @returns the address to try next (the current one when the move leads back to it); undefined when `err` is no
   *          reason to try another coordinator.
   */
  afterFailure(failedAt: CoordinatorTarget, err: unknown): CoordinatorTarget | undefined {
    if (!isServiceError(err)) return undefined;
    const failure = { code: err.code, fedsiftCode: errorCodeOf(err), details: err.details };
    const list = this.targets.map((t) => t.address);
    const step = nextAddress(list, { index: this.at.index, address: failedAt.address }, failure);
    if (!step || this.at.target !== failedAt) return step && this.at.target;
    const target = list[step.index] === step.address ? this.targets[step.index]! : { address: step.address };
    if (target.address !== failedAt.address)
      this.logger?.warn(
        { from: failedAt.address, to: target.address, why: step.reason, details: err.details },
        'moving to another coordinator address',
      );
    this.at = { index: step.index, address: target.address, target };
    return target;
  }

  /**
   * Resolves the host names again (every address failed: a name's records may have changed), keeping the address in
   * use when it is still there, else starting again at the first.
   */
  async refresh(): Promise<void> {
    if (this.entries.every((e) => isIP(e.host))) return;
    const { target } = this.at;
    const same = (t: CoordinatorTarget) => t.address === target.address && t.hostName === target.hostName;
    // The target in use keeps its identity: the link opens no new channel to the same address.
    this.targets = (await expand(this.entries, this.lookup)).map((t) => (same(t) ? target : t));
    const index = this.targets.indexOf(target);
    const first = this.targets[0]!;
    this.at = index >= 0 ? { ...this.at, index } : { index: 0, address: first.address, target: first };
  }
}
