import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../../shared/errors/index.js';
import { formatHostPort, parseClientConfig, parseCoordinatorList } from '../../../shared/config/index.js';

/** A client config that differs from a valid one only in its coordinator addresses. */
const clientConfig = (coordinator: string) =>
  parseClientConfig({ coordinator, siteId: 'site-a', data: { kind: 'mnist' }, insecure: true });

describe('coordinator addresses of a client (--coordinator, the client config)', () => {
  it('takes one host:port, as before', () => {
    assert.deepEqual(parseCoordinatorList('127.0.0.1:50051'), { addresses: [{ host: '127.0.0.1', port: 50051 }] });
    assert.equal(clientConfig('coordinator.example:50051').coordinator, 'coordinator.example:50051');
  });

  it('takes a comma-separated list in order, spaces around the commas allowed, IPv6 in brackets', () => {
    // Execute
    const list = parseCoordinatorList('10.0.0.1:50051, coord-b.example:50052,[::1]:50053');
    // Assert
    assert.deepEqual(list, {
      addresses: [
        { host: '10.0.0.1', port: 50051 },
        { host: 'coord-b.example', port: 50052 },
        { host: '::1', port: 50053 },
      ],
    });
    assert.deepEqual('addresses' in list && list.addresses.map(formatHostPort), [
      '10.0.0.1:50051',
      'coord-b.example:50052',
      '[::1]:50053',
    ]);
  });

  it('names every bad entry at once: not host:port, a port out of range, an empty entry, a duplicate', () => {
    // Execute
    const list = parseCoordinatorList('a:1,b,c:70000,,a:1,[nope]:5');
    // Assert
    assert.deepEqual(list, {
      problems: [
        'entry 2 "b": must be host:port (or [IPv6]:port)',
        'entry 3 "c:70000": port 70000 is not in 1–65535',
        'entry 4 is empty (a stray comma?)',
        'entry 5 "a:1": listed twice',
        'entry 6 "[nope]:5": "nope" in brackets is not an IPv6 address',
      ],
    });
  });

  it('the client config refuses a bad list with a ConfigError naming each bad entry under `coordinator`', () => {
    // Execute
    let err: unknown;
    try {
      clientConfig('127.0.0.1:50051,127.0.0.1,host:0');
    } catch (e) {
      err = e;
    }
    // Assert
    assert.ok(err instanceof ConfigError, String(err));
    assert.equal(err.code, 'FS_ERR_CONFIG');
    assert.equal(err.field, 'coordinator');
    assert.match(err.message, /coordinator: entry 2 "127\.0\.0\.1": must be host:port/);
    assert.match(err.message, /coordinator: entry 3 "host:0": port 0 is not in 1–65535/);
  });

  it('a single bad address is named without an entry number', () => {
    assert.throws(() => clientConfig('localhost'), /coordinator: "localhost": must be host:port/);
  });
});
