import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { CoordinatorAddresses, type HostLookup } from '../../../client-node/link/index.js';
import { ERROR_CODE_METADATA_KEY } from '../../../shared/grpc-errors/index.js';
import { recordingLogger } from '../../helpers/logs.js';

/** A resolver that knows `records` (host → addresses) and counts its lookups; other names do not resolve. */
function fakeDns(records: Record<string, string[]>): HostLookup & { lookups: number } {
  const lookup = async (host: string) => {
    lookup.lookups++;
    const found = records[host];
    if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return found.map((address) => ({ address }));
  };
  lookup.lookups = 0;
  return lookup;
}

/** A failed gRPC call as grpc-js reports it, with the fedsift code `fedsiftCode` when given. */
function callError(code: status, details: string, fedsiftCode?: string): ServiceError {
  const metadata = new Metadata();
  if (fedsiftCode) metadata.set(ERROR_CODE_METADATA_KEY, fedsiftCode);
  return Object.assign(new Error(`${code} ${status[code]}: ${details}`), { code, details, metadata });
}

const refused = callError(status.UNAVAILABLE, 'No connection established. Last error: connect ECONNREFUSED');

describe("a client's coordinator addresses", () => {
  it('expands a DNS name with several records into one address each (port kept, name kept for TLS); one record or none: the name as given', async () => {
    // Prepare
    const dns = fakeDns({ 'coordinators.example': ['10.0.0.1', '10.0.0.2', 'fd00::3'], 'one.example': ['10.0.0.9'] });
    const { logger, lines } = recordingLogger();
    // Execute
    const many = await CoordinatorAddresses.resolve('coordinators.example:50051', logger, dns);
    const one = await CoordinatorAddresses.resolve('one.example:50051,unknown.example:1,10.0.0.7:2', logger, dns);
    // Assert
    assert.deepEqual(many.all, [
      { address: '10.0.0.1:50051', hostName: 'coordinators.example' },
      { address: '10.0.0.2:50051', hostName: 'coordinators.example' },
      { address: '[fd00::3]:50051', hostName: 'coordinators.example' },
    ]);
    assert.deepEqual(one.all, [
      { address: 'one.example:50051' },
      { address: 'unknown.example:1' },
      { address: '10.0.0.7:2' },
    ]);
    assert.equal(dns.lookups, 3, 'an IP address is not looked up');
    assert.deepEqual(
      lines.filter((l) => l.msg === 'coordinator addresses').map((l) => l.addresses),
      [['10.0.0.1:50051', '10.0.0.2:50051', '[fd00::3]:50051']],
    );
  });

  it('moves on UNAVAILABLE, logging from where, to where and why; a standby sends it to the leader it names', async () => {
    // Prepare
    const { logger, lines } = recordingLogger();
    const addresses = await CoordinatorAddresses.resolve('10.0.0.1:1,10.0.0.2:2,10.0.0.3:3', logger);
    const first = addresses.current;
    // Execute
    const second = addresses.afterFailure(first, refused);
    const leader = addresses.afterFailure(
      second!,
      callError(status.UNAVAILABLE, 'this coordinator is a standby; the leader is 10.0.0.1:1', 'FS_ERR_NOT_LEADER'),
    );
    // Assert
    assert.equal(second?.address, '10.0.0.2:2');
    assert.equal(leader, first, 'the listed leader, as listed');
    assert.equal(addresses.current, first);
    assert.deepEqual(
      lines
        .filter((l) => l.msg === 'moving to another coordinator address')
        .map(({ from, to, why }) => ({ from, to, why })),
      [
        { from: '10.0.0.1:1', to: '10.0.0.2:2', why: 'unreachable' },
        { from: '10.0.0.2:2', to: '10.0.0.1:1', why: 'standby named the leader' },
      ],
    );
  });

  it('stays for a failure about the call, and for a failure at an address it already left', async () => {
    // Prepare
    const addresses = CoordinatorAddresses.of('10.0.0.1:1,10.0.0.2:2');
    const first = addresses.current;
    // Execute
    const notFound = addresses.afterFailure(first, callError(status.NOT_FOUND, 'unknown client'));
    const moved = addresses.afterFailure(first, refused);
    const late = addresses.afterFailure(first, refused); // a second call's failure at the address just left
    // Assert
    assert.equal(notFound, undefined);
    assert.equal(moved?.address, '10.0.0.2:2');
    assert.equal(late, moved, 'no second move: the next try goes to the new address');
  });

  it('resolves the names again when asked (every address failed), keeping the address in use when it is still there', async () => {
    // Prepare
    const records: Record<string, string[]> = { 'coordinators.example': ['10.0.0.1', '10.0.0.2'] };
    const dns = fakeDns(records);
    const addresses = await CoordinatorAddresses.resolve('coordinators.example:50051', undefined, dns);
    addresses.afterFailure(addresses.current, refused);
    const inUse = addresses.current;
    // Execute
    records['coordinators.example'] = ['10.0.0.5', '10.0.0.2'];
    await addresses.refresh();
    const kept = addresses.current;
    records['coordinators.example'] = ['10.0.0.7', '10.0.0.8'];
    await addresses.refresh();
    // Assert
    assert.equal(kept, inUse, '10.0.0.2 is still a record: the same target (no new channel)');
    assert.deepEqual(addresses.current, { address: '10.0.0.7:50051', hostName: 'coordinators.example' });
    assert.deepEqual(
      addresses.all.map((t) => t.address),
      ['10.0.0.7:50051', '10.0.0.8:50051'],
    );
  });
});
