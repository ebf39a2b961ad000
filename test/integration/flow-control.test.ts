import assert from 'node:assert/strict';
import { connect, type Settings } from 'node:http2';
import { describe, it } from 'node:test';
import { DEFAULT_TRANSPORT } from '../../shared/config/index.js';
import { FixedModelRuntime } from '../helpers/fixed-runtime.js';
import { startTestCoordinator, waitFor } from '../helpers/coordinators.js';

describe('HTTP/2 flow-control window', () => {
  it("the coordinator advertises the transport's receive window to each connection, not Node's 64 KiB", async () => {
    // Prepare
    const c = await startTestCoordinator({}, { runtime: new FixedModelRuntime(10) });
    const session = connect(`http://${c.address}`);
    try {
      // Execute: the server's SETTINGS frames after the connection opens
      let settings: Settings = {};
      session.on('remoteSettings', (s: Settings) => (settings = s));
      const want = DEFAULT_TRANSPORT.flowControlWindowBytes;
      await waitFor(
        `a SETTINGS frame with initialWindowSize ${want}`,
        () => (settings.initialWindowSize === want ? true : undefined),
        5_000,
      ).catch(() => undefined);
      // Check
      assert.equal(settings.initialWindowSize, want);
      assert.ok(DEFAULT_TRANSPORT.flowControlWindowBytes > 65_535);
    } finally {
      session.destroy();
      await c.close();
    }
  });
});
