import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseClientConfig, parseCoordinatorConfig } from '../../../shared/config/index.js';
import { parseRunConfig, parseRunConfigJson } from '../../../coordinator/config/index.js';
import { ConfigError } from '../../../shared/errors/index.js';
import { penguinSchema } from '../../helpers/penguins.js';

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${err}`);
    assert.equal(err.code, 'FS_ERR_CONFIG');
    return err;
  }
  assert.fail('expected a ConfigError');
}

describe('run config', () => {
  it('fills defaults and freezes the result', () => {
    const c = parseRunConfig({});
    assert.equal(c.rounds, 20);
    assert.equal(c.model, 'cnn');
    assert.equal(c.minAvailableClients, c.minClients);
    assert.ok(Object.isFrozen(c));
  });

  it('names every bad field with its path', () => {
    const err = configError(() => parseRunConfig({ rounds: 0, learningRate: -1, model: 'resnet', batchSize: 2.5 }));
    for (const field of ['rounds:', 'learningRate:', 'model:', 'batchSize:'])
      assert.match(err.message, new RegExp(field));
    assert.equal(err.field, 'rounds');
  });

  it('rejects unknown keys', () => {
    assert.match(configError(() => parseRunConfig({ roundz: 3 })).message, /roundz/);
  });

  it('checks cross-field rules', () => {
    const err = configError(() => parseRunConfig({ clientsPerRound: 2, minClients: 3 }));
    assert.match(err.message, /minClients: must be ≤ clientsPerRound \(2\)/);
    assert.match(
      configError(() => parseRunConfig({ minClients: 3, clientsPerRound: 5, minAvailableClients: 2 })).message,
      /minAvailableClients: must be ≥ minClients/,
    );
  });

  it('takes a built-in, a declared MLP or a model.json path as its model, and refuses anything else naming "model"', () => {
    for (const model of ['mlp', 'cnn', '/models/penguins/model.json'])
      assert.equal(parseRunConfig({ model }).model, model);
    assert.equal(parseRunConfig({ model: 'mlp:64,32', schema: penguinSchema() }).model, 'mlp:64,32');
    for (const model of ['resnet', 'mlp:', 'mlp:0', 'mlp:8,x', 'model.h5', '']) {
      const err = configError(() => parseRunConfig({ model }));
      assert.equal(err.field, 'model', `${JSON.stringify(model)}: ${err.message}`);
    }
  });

  it('refuses a declared MLP without a data schema, and a schema run evaluating on data that is not a CSV', () => {
    const mlp = configError(() => parseRunConfig({ model: 'mlp:16' }));
    assert.equal(mlp.field, 'model');
    assert.match(mlp.message, /model: mlp:16 takes its input size and classes from the data schema: give "schema"/);
    const idx = configError(() =>
      parseRunConfig({ schema: penguinSchema(), testData: { kind: 'idx', images: 'i.gz', labels: 'l.gz' } }),
    );
    assert.equal(idx.field, 'testData');
    assert.match(idx.message, /testData: a run with a data schema evaluates on a CSV table read with it, not idx data/);
  });

  it('embeds the data schema with its defaults, naming a bad schema field by its path', () => {
    const c = parseRunConfig({ schema: penguinSchema(), testData: { kind: 'csv', path: '/data/test.csv' } });
    assert.deepEqual(c.schema, penguinSchema());
    assert.equal(c.schema?.minSiteRows, 10);
    assert.equal(parseRunConfig({}).schema, null, 'default: no schema');
    assert.equal(parseRunConfig({}).testData, null, "default: the coordinator's test data");
    const bad = { ...penguinSchema(), features: [{ name: 'Island', kind: 'categorical', categories: [] }] };
    assert.match(configError(() => parseRunConfig({ schema: bad })).message, /schema\.features\.0\.categories:/);
  });

  it('reports invalid JSON as a config error', () => {
    assert.match(configError(() => parseRunConfigJson('{rounds: 3')).message, /not valid JSON/);
  });
});

describe('coordinator and client config', () => {
  it('accepts the defaults and rejects a bad NATS URL and port', () => {
    assert.equal(parseCoordinatorConfig({ insecure: true }).port, 50051);
    const err = configError(() => parseCoordinatorConfig({ natsUrl: 'localhost:4222', port: 70000 }));
    assert.match(err.message, /natsUrl: must be a nats:\/\/host:port URL/);
    assert.match(err.message, /port:/);
  });

  it('takes a federation id that can name NATS subjects and a stream; refuses one that cannot, naming the field', () => {
    // Prepare
    const accepted = ['default', 'hospital-net_2', 'a', 'x'.repeat(64)];
    const refused = ['', 'a.b', 'fed*', 'fed>', 'two words', 'x'.repeat(65), 'zürich'];
    // Execute + Assert
    assert.equal(parseCoordinatorConfig({ insecure: true }).federationId, 'default');
    for (const federationId of accepted)
      assert.equal(parseCoordinatorConfig({ insecure: true, federationId }).federationId, federationId);
    for (const federationId of refused) {
      const err = configError(() => parseCoordinatorConfig({ insecure: true, federationId }));
      assert.equal(err.field, 'federationId');
      assert.match(err.message, /federationId: must be 1 to 64 letters, digits, "-" or "_" \(it names NATS subjects/);
      assert.ok(err.message.includes(JSON.stringify(federationId)), err.message);
    }
  });

  it('requires TLS unless plain text is asked for explicitly, and cert and key together', () => {
    assert.match(
      configError(() => parseCoordinatorConfig({})).message,
      /tls: required unless plain text is asked for explicitly/,
    );
    assert.match(
      configError(() => parseClientConfig({ siteId: 's', data: { kind: 'mnist' } })).message,
      /tls: required unless plain text/,
    );
    assert.equal(parseCoordinatorConfig({ tls: { certFile: 'c.pem', keyFile: 'k.pem' } }).tls?.clientCaFile, null);
    assert.match(
      configError(() =>
        parseClientConfig({ siteId: 's', data: { kind: 'mnist' }, tls: { caFile: 'ca.pem', certFile: 'c.pem' } }),
      ).message,
      /tls\.certFile: certFile and keyFile go together/,
    );
  });

  it('takes its state from a directory or a postgres URL, not both; a lease of at least 500 ms; host:port to advertise', () => {
    // Prepare
    const url = 'postgres://fedsift@db:5432/fl?schema=prod';
    // Execute
    const pg = parseCoordinatorConfig({ insecure: true, stateUrl: url, advertiseAddress: 'coord-0.fl:50051' });
    const both = configError(() => parseCoordinatorConfig({ insecure: true, stateUrl: url, stateDir: '/var/fs' }));
    const bad = configError(() =>
      parseCoordinatorConfig({ insecure: true, stateUrl: 'mysql://db/fl', leaseMs: 100, advertiseAddress: 'coord' }),
    );
    // Assert
    assert.deepEqual(
      [pg.stateUrl, pg.stateDir, pg.leaseMs, pg.advertiseAddress],
      [url, null, 10_000, 'coord-0.fl:50051'],
    );
    assert.equal(
      parseCoordinatorConfig({ insecure: true, stateUrl: 'postgresql://db/fl' }).stateUrl,
      'postgresql://db/fl',
    );
    assert.equal(parseCoordinatorConfig({ insecure: true }).advertiseAddress, undefined);
    assert.equal(
      parseCoordinatorConfig({ insecure: true, advertiseAddress: '[fd00::1]:50051' }).advertiseAddress,
      '[fd00::1]:50051',
    );
    assert.equal(both.field, 'stateUrl');
    assert.match(both.message, /stateUrl: stateDir and stateUrl cannot both be set/);
    assert.match(bad.message, /stateUrl: must be a postgres:\/\/ or postgresql:\/\/ URL/);
    assert.match(bad.message, /leaseMs: .*500/);
    assert.match(bad.message, /advertiseAddress: must be host:port/);
  });

  it('requires a site id and valid data source', () => {
    const err = configError(() => parseClientConfig({ data: { kind: 'csv' } }));
    assert.match(err.message, /siteId/);
    assert.match(err.message, /data\.path/);
    const ok = parseClientConfig({
      siteId: 's',
      insecure: true,
      data: { kind: 'mnist', partition: { numPartitions: 3, index: 2 } },
    });
    assert.equal(ok.data.kind === 'mnist' && ok.data.partition?.alpha, 0.5);
    assert.match(
      configError(() =>
        parseClientConfig({ siteId: 's', data: { kind: 'mnist', partition: { numPartitions: 3, index: 3 } } }),
      ).message,
      /data\.partition\.index: index must be < numPartitions/,
    );
  });

  it('ranks the site report by self-confidence unless told normalized-margin; another score names the field', () => {
    const site = { siteId: 's', insecure: true, data: { kind: 'mnist' } };
    assert.equal(parseClientConfig(site).reportScore, 'self-confidence');
    assert.equal(parseClientConfig({ ...site, reportScore: 'normalized-margin' }).reportScore, 'normalized-margin');
    assert.match(configError(() => parseClientConfig({ ...site, reportScore: 'entropy' })).message, /reportScore/);
  });
});

describe('run config mode "async"', () => {
  it('fills FedBuff defaults and keeps synchronous runs the default', () => {
    assert.equal(parseRunConfig({}).mode, 'sync');
    const c = parseRunConfig({ mode: 'async', async: { bufferSize: 3, staleness: 'polynomial:0.5' } });
    assert.deepEqual(c.async, {
      bufferSize: 3,
      maxConcurrency: 10,
      maxStaleness: 4,
      staleness: 'polynomial:0.5',
      serverLearningRate: 1,
    });
  });

  it('refuses a staleness weight it does not know, naming the field', () => {
    const err = configError(() => parseRunConfig({ mode: 'async', async: { staleness: 'linear' } }));
    assert.match(err.message, /async\.staleness: use sqrt, constant or polynomial:a/);
  });

  it('refuses secure aggregation, differential privacy and robust strategies, naming both fields', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ secureAggregation: { numShares: 5, reconstructionThreshold: 3 } }, 'secureAggregation'],
      [{ differentialPrivacy: { noiseMultiplier: 1, clippingNorm: 1 } }, 'differentialPrivacy'],
      [{ differentialPrivacy: { mode: 'local', noiseMultiplier: 1, clippingNorm: 1 } }, 'differentialPrivacy'],
      [{ strategy: { name: 'fedmedian' } }, 'strategy'],
    ];
    for (const [extra, field] of cases) {
      const err = configError(() => parseRunConfig({ mode: 'async', clientsPerRound: 5, minClients: 3, ...extra }));
      assert.match(err.message, new RegExp(`${field}: mode "async" cannot be combined with ${field}`), field);
      // the same config without mode async is not refused for that reason
      assert.doesNotMatch(
        (() => {
          try {
            parseRunConfig({ clientsPerRound: 5, minClients: 3, ...extra });
            return '';
          } catch (e) {
            return (e as Error).message;
          }
        })(),
        /mode "async"/,
      );
    }
  });
});

describe('run config hierarchical', () => {
  it('is off by default, and allowed with a FedAvg-family strategy and local differential privacy', () => {
    assert.equal(parseRunConfig({}).hierarchical, false);
    const local = { mode: 'local', noiseMultiplier: 1, clippingNorm: 1 };
    const c = parseRunConfig({ hierarchical: true, strategy: 'fedavg-effective', differentialPrivacy: local });
    assert.equal(c.hierarchical, true);
  });

  it('refuses robust strategies, secure aggregation, mode async, central DP and a schema needing statistics, naming both fields', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ strategy: { name: 'fedmedian' } }, 'strategy.name: strategy "fedmedian"'],
      [{ strategy: { name: 'krum' } }, 'strategy.name: strategy "krum"'],
      [{ secureAggregation: { numShares: 5, reconstructionThreshold: 3 } }, 'secureAggregation: secureAggregation'],
      [{ mode: 'async' }, 'mode: mode "async"'],
      [
        { differentialPrivacy: { noiseMultiplier: 1, clippingNorm: 1 } },
        'differentialPrivacy.mode: central differentialPrivacy',
      ],
      [
        {
          model: 'mlp:8',
          schema: { features: [{ name: 'x', kind: 'numeric' }], label: { column: 'y', classes: ['a', 'b'] } },
        },
        'schema: a schema that needs feature statistics',
      ],
    ];
    for (const [extra, named] of cases) {
      const base = { clientsPerRound: 5, minClients: 3, ...extra };
      const err = configError(() => parseRunConfig({ ...base, hierarchical: true }));
      assert.ok(err.message.includes(`${named} cannot be combined with hierarchical`), err.message);
      // the same config in a flat run is not refused for that reason
      let flat = '';
      try {
        parseRunConfig(base);
      } catch (e) {
        flat = (e as Error).message;
      }
      assert.doesNotMatch(flat, /hierarchical/);
    }
  });
});
