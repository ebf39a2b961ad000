import assert from 'node:assert/strict';
import { credentials, status, type Client, type ServiceError } from '@grpc/grpc-js';
import { after, describe, it } from 'node:test';
import { CoordinatorLink } from '../../client-node/link/index.js';
import { DEFAULT_TRANSPORT } from '../../shared/config/index.js';
import { PROTOCOL_VERSION } from '../../shared/contract/index.js';
import { loadFedsiftProto, type JoinRequest, type JoinResponse } from '../../shared/proto/index.js';
import { startTestCoordinator } from '../helpers/coordinators.js';
import { TEST_CAPABILITIES } from '../helpers/protocol.js';

/** A Join as a build of another protocol revision sends it (raw stub: CoordinatorLink states this build's revision). */
function rawJoin(address: string, req: JoinRequest): Promise<JoinResponse | ServiceError> {
  const client = new (loadFedsiftProto().CoordinatorClient)(
    address,
    credentials.createInsecure(),
  ) as unknown as Client & {
    Join(r: JoinRequest, cb: (e: ServiceError | null, r?: JoinResponse) => void): void;
  };
  return new Promise((resolve) => client.Join(req, (err, res) => (client.close(), resolve(err ?? res!))));
}

describe('protocol revision (a site and its coordinator run the same fedsift release)', () => {
  it('refuses a Join from an older client (no revision stated) with INVALID_ARGUMENT naming both revisions', async () => {
    // Prepare
    const c = await startTestCoordinator();
    after(() => c.close());
    // Execute
    const old = await rawJoin(c.address, { siteId: 'old-site', token: '', capabilities: TEST_CAPABILITIES });
    const link = new CoordinatorLink(c.address, DEFAULT_TRANSPORT);
    after(() => link.close());
    const current = await link.join({
      siteId: 'new-site',
      token: '',
      capabilities: TEST_CAPABILITIES,
    });
    // Assert
    const err = old as ServiceError;
    assert.equal(err.code, status.INVALID_ARGUMENT);
    assert.match(
      err.details,
      new RegExp(`the client speaks fedsift protocol revision 1, this build speaks ${PROTOCOL_VERSION}: run the same`),
    );
    assert.equal(current.protocolVersion, PROTOCOL_VERSION, 'the coordinator states its revision');
    assert.equal(c.liveClients(), 1, 'only the current client joined');
  });
});
