import { isIP } from 'node:net';

/** A gRPC address split in two: a host name, an IPv4 address or an IPv6 one (without brackets), and a TCP port. */
export interface HostPort {
  host: string;
  port: number;
}

/** `host:port`, or `[v6]:port` for an IPv6 address. */
const HOST_PORT = /^(?:\[([^\]\s]+)\]|([^\s:[\],]+)):(\d{1,5})$/;

/**
 * Splits one `host:port` (`[::1]:50051` for IPv6).
 * @returns the host and port, or a problem in words when `text` is not of that form or its port is not in 1–65535.
 */
export function parseHostPort(text: string): HostPort | string {
  const m = HOST_PORT.exec(text);
  if (!m) return 'must be host:port (or [IPv6]:port)';
  const host = m[1] ?? m[2]!;
  if (m[1] !== undefined && isIP(host) !== 6) return `"${host}" in brackets is not an IPv6 address`;
  const port = Number(m[3]);
  if (port < 1 || port > 65_535) return `port ${port} is not in 1–65535`;
  return { host, port };
}

/** The `host:port` text of an address, with brackets around an IPv6 host, as gRPC targets write it. */
export function formatHostPort({ host, port }: HostPort): string {
  return `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}

/**
 * The coordinator addresses a client is given (`--coordinator`, the client config's `coordinator`): one `host:port`,
 * or a comma-separated list of them (the coordinators of one federation: a leader and its standbys), spaces around
 * the commas allowed.
 * @returns the entries in order, or every problem at once, each naming its entry (`entry 2 "b:x": must be host:port`)
 *          — also an empty entry and one listed twice.
 */
export function parseCoordinatorList(text: string): { addresses: HostPort[] } | { problems: string[] } {
  const entries = text.split(',').map((e) => e.trim());
  const problems: string[] = [];
  const addresses: HostPort[] = [];
  entries.forEach((entry, i) => {
    const name = entries.length > 1 ? `entry ${i + 1} "${entry}": ` : `"${entry}": `;
    const parsed = parseHostPort(entry);
    if (entry === '') problems.push(`entry ${i + 1} is empty (a stray comma?)`);
    else if (typeof parsed === 'string') problems.push(name + parsed);
    else if (addresses.some((a) => formatHostPort(a) === formatHostPort(parsed))) problems.push(`${name}listed twice`);
    else addresses.push(parsed);
  });
  return problems.length ? { problems } : { addresses };
}
