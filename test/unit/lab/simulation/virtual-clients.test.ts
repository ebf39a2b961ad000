import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildVirtualClients, validateSimulation } from '../../../../coordinator/lab/simulation/index.js';
import { loadMnistSplit, type Dataset } from '../../../../shared/data/index.js';
import { ConfigError } from '../../../../shared/errors/index.js';

/** 1,000 digits whose first feature holds the example's index, so shares can be traced back to the source. */
function traceable(): Dataset {
  const train = loadMnistSplit('train');
  const n = 1000,
    d = train.numFeatures;
  const features = train.features.slice(0, n * d);
  for (let i = 0; i < n; i++) features[i * d] = i;
  return { features, labels: train.labels.slice(0, n), numFeatures: d, numClasses: train.numClasses };
}

const sources = (ds: Dataset) => Array.from({ length: ds.labels.length }, (_, i) => ds.features[i * ds.numFeatures]!);

describe('virtual clients', () => {
  const train = traceable();

  it('gives each client its own disjoint share, cut to samplesPerClient, reproducibly from the seed', () => {
    // Prepare
    const sim = validateSimulation({
      clients: 8,
      samplesPerClient: 100,
      partition: { kind: 'dirichlet', alpha: 0.5 },
      run: { clientsPerRound: 4 },
    });
    // Execute
    const clients = buildVirtualClients(train, sim, 3);
    // Assert
    const all = clients.flatMap((c) => sources(c.data));
    assert.equal(new Set(all).size, all.length, 'shares overlap');
    assert.ok(clients.every((c) => c.data.labels.length <= 100 && c.data.labels.length >= 10));
    assert.deepEqual(
      clients.map((c) => c.id),
      Array.from({ length: 8 }, (_, i) => `sim-${i}`),
    );
    assert.deepEqual(buildVirtualClients(train, sim, 3), clients);
    assert.notDeepEqual(
      buildVirtualClients(train, sim, 4).map((c) => sources(c.data)),
      clients.map((c) => sources(c.data)),
    );
  });

  it('flips labels only on the first noisyClients clients, and reports which', () => {
    // Prepare
    const sim = validateSimulation({
      clients: 4,
      partition: { kind: 'iid' },
      labelNoise: 'symmetric:0.5',
      noisyClients: 2,
      run: { clientsPerRound: 4 },
    });
    // Execute
    const clients = buildVirtualClients(train, sim, 0);
    // Assert
    assert.deepEqual(
      clients.map((c) => c.wrongLabels !== undefined),
      [true, true, false, false],
    );
    for (const c of clients.slice(0, 2)) {
      const original = sources(c.data).map((i) => train.labels[i]!);
      const flipped = original.map((y, i) => (y !== c.data.labels[i] ? 1 : 0));
      assert.deepEqual(flipped, [...c.wrongLabels!]);
      const rate = flipped.reduce((a: number, b) => a + b, 0) / flipped.length;
      assert.ok(rate > 0.35 && rate < 0.65, `flip rate ${rate}`);
    }
    assert.deepEqual(
      [...clients[3]!.data.labels],
      sources(clients[3]!.data).map((i) => train.labels[i]!),
    );
  });

  it('refuses a partition the digits cannot give, naming --clients', () => {
    const sim = validateSimulation({ clients: 200, run: { clientsPerRound: 10 } });
    assert.throws(
      () => buildVirtualClients(train, sim, 0),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.code === 'FS_ERR_CONFIG' &&
        e.field === 'clients' &&
        /clients \(--clients\): dirichlet partition: 1000 examples cannot give 200 clients 10 each; use fewer clients, a larger --alpha or --iid/.test(
          e.message,
        ),
    );
  });
});
