import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { aggregatorConfigFrom } from '../../../coordinator/cli/aggregator-command.js';
import { ConfigError } from '../../../shared/errors/index.js';

const file = {
  tls: { certFile: '/etc/agg/old.crt', keyFile: '/etc/agg/old.key', clientCaFile: '/etc/agg/sites-ca.crt' },
  upstream: {
    coordinator: 'coord.example:50051',
    siteId: 'region-eu',
    token: 'file-token',
    tls: { caFile: '/etc/agg/coord-ca.crt', certFile: '/etc/agg/up.crt', keyFile: '/etc/agg/up.key' },
  },
};
const env = { FEDSIFT_COORDINATOR: '127.0.0.1:1', FEDSIFT_TOKEN: 'env-token' };

describe('fedsift aggregator flags', () => {
  it("a TLS flag overrides its own field of the file's section: mutual TLS stays on", () => {
    const c = aggregatorConfigFrom({ tlsCert: '/etc/agg/new.crt', tlsKey: '/etc/agg/new.key' }, file, env);
    assert.equal(c.tls?.certFile, '/etc/agg/new.crt');
    assert.equal(c.tls?.clientCaFile, '/etc/agg/sites-ca.crt');
    const up = aggregatorConfigFrom({ upstreamTlsCa: '/etc/agg/new-ca.crt' }, file, env).upstream.tls;
    assert.deepEqual(up, {
      ...file.upstream.tls,
      caFile: '/etc/agg/new-ca.crt',
      reloadIntervalMs: up?.reloadIntervalMs,
    });
  });

  it("the environment fills the upstream's address and token only where neither flag nor file does", () => {
    const fromFile = aggregatorConfigFrom({}, file, env).upstream;
    assert.equal(fromFile.coordinator, 'coord.example:50051');
    assert.equal(fromFile.token, 'file-token');
    const bare = aggregatorConfigFrom({ siteId: 'a', insecure: true }, {}, env).upstream;
    assert.equal(bare.coordinator, '127.0.0.1:1');
    assert.equal(bare.token, 'env-token');
    const flags = aggregatorConfigFrom({ upstream: 'other:50051', token: 't' }, file, env).upstream;
    assert.deepEqual([flags.coordinator, flags.token], ['other:50051', 't']);
  });

  it('refuses plain text unless asked, naming both hops, and a client timeout within the heartbeat', () => {
    assert.throws(
      () => aggregatorConfigFrom({ siteId: 'a' }, {}, {}),
      (e: unknown) =>
        e instanceof ConfigError && /\n {2}upstream\.tls: /.test(e.message) && /\n {2}tls: /.test(e.message),
    );
    assert.throws(
      () =>
        aggregatorConfigFrom({ siteId: 'a', insecure: true }, { clientTimeoutMs: 1000, heartbeatIntervalMs: 1000 }, {}),
      /clientTimeoutMs: must be > heartbeatIntervalMs \(1000\)/,
    );
  });
});
