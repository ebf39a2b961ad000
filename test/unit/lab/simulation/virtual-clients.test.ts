import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseNoisyClients } from '../../../../coordinator/lab/experiments/index.js';
import {
  buildVirtualClients,
  validateSimulation,
  type VirtualClient,
} from '../../../../coordinator/lab/simulation/index.js';
import type { SiteData } from '../../../../client-node/data/index.js';
import { loadMnistSplit, type Dataset } from '../../../../shared/data/index.js';
import { ConfigError } from '../../../../shared/errors/index.js';
import { parseDataSchema, parseTable } from '../../../../shared/tabular/index.js';

/** 1,000 digits whose first feature holds the example's index, so shares can be traced back to the source. */
function traceable(): Dataset {
  const train = loadMnistSplit('train');
  const n = 1000,
    d = train.numFeatures;
  const features = train.features.slice(0, n * d);
  for (let i = 0; i < n; i++) features[i * d] = i;
  return { features, labels: train.labels.slice(0, n), numFeatures: d, numClasses: train.numClasses };
}

/** A digits client's dataset. */
function dataOf(c: VirtualClient): Dataset {
  assert.equal(c.site.kind, 'dataset');
  return (c.site as Extract<SiteData, { kind: 'dataset' }>).dataset;
}

const sources = (ds: Dataset) => Array.from({ length: ds.labels.length }, (_, i) => ds.features[i * ds.numFeatures]!);

describe('virtual clients', () => {
  const digits = traceable();
  const train: SiteData = { kind: 'dataset', dataset: digits };

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
    const all = clients.flatMap((c) => sources(dataOf(c)));
    assert.equal(new Set(all).size, all.length, 'shares overlap');
    assert.ok(clients.every((c) => dataOf(c).labels.length <= 100 && dataOf(c).labels.length >= 10));
    assert.deepEqual(
      clients.map((c) => c.id),
      Array.from({ length: 8 }, (_, i) => `sim-${i}`),
    );
    assert.deepEqual(buildVirtualClients(train, sim, 3), clients);
    assert.notDeepEqual(
      buildVirtualClients(train, sim, 4).map((c) => sources(dataOf(c))),
      clients.map((c) => sources(dataOf(c))),
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
      const original = sources(dataOf(c)).map((i) => digits.labels[i]!);
      const flipped = original.map((y, i) => (y !== dataOf(c).labels[i] ? 1 : 0));
      assert.deepEqual(flipped, [...c.wrongLabels!]);
      const rate = flipped.reduce((a: number, b) => a + b, 0) / flipped.length;
      assert.ok(rate > 0.35 && rate < 0.65, `flip rate ${rate}`);
    }
    assert.deepEqual(
      [...dataOf(clients[3]!).labels],
      sources(dataOf(clients[3]!)).map((i) => digits.labels[i]!),
    );
  });

  it('flips labels on client 1 only with --noisy-clients "1,", leaving clients 0, 2 and 3 clean', () => {
    // Prepare
    const sim = validateSimulation({
      clients: 4,
      partition: { kind: 'iid' },
      labelNoise: 'symmetric:0.5',
      noisyClients: parseNoisyClients('1,'),
      run: { clientsPerRound: 4 },
    });
    // Execute
    const clients = buildVirtualClients(train, sim, 0);
    // Assert
    assert.deepEqual(
      clients.map((c) => c.wrongLabels !== undefined),
      [false, true, false, false],
    );
    const flips = clients.map(
      (c) => sources(dataOf(c)).filter((src, i) => digits.labels[src] !== dataOf(c).labels[i]).length,
    );
    assert.deepEqual([flips[0], flips[2], flips[3]], [0, 0, 0]);
    assert.ok(flips[1]! > 0.35 * dataOf(clients[1]!).labels.length, `client 1: ${flips[1]} flipped`);
    assert.equal(
      flips[1],
      clients[1]!.wrongLabels!.reduce((a: number, b) => a + b, 0),
    );
  });

  it('puts the noise on the first half of the clients when --noisy-clients is left out', () => {
    // Prepare
    const sim = validateSimulation({ clients: 5, labelNoise: 'pair:0.4', run: { clientsPerRound: 5 } });
    // Execute / Assert
    assert.deepEqual(sim.noise?.clients, [0, 1]);
    const alone = validateSimulation({
      clients: 1,
      labelNoise: 'pair:0.4',
      run: { clientsPerRound: 1, minClients: 1 },
    });
    assert.deepEqual(alone.noise?.clients, []);
  });

  it('refuses a noisy client index outside the federation, naming --noisy-clients', () => {
    assert.throws(
      () =>
        validateSimulation({
          clients: 4,
          labelNoise: 'pair:0.4',
          noisyClients: parseNoisyClients('1,4'),
          run: { clientsPerRound: 4 },
        }),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.code === 'FS_ERR_CONFIG' &&
        e.field === 'noisyClients' &&
        /^--noisy-clients: client indices must be in \[0, 3\] .*got 4$/.test(e.message),
    );
  });

  it('shares a table read with a schema row by row, cells kept together, and flips labels on client 1 only', () => {
    // Prepare: row i holds x = i and a category i mod 3, so each share traces back to its source rows
    const schema = parseDataSchema({
      features: [
        { name: 'x', kind: 'numeric' },
        { name: 'c', kind: 'categorical', categories: ['a', 'b', 'c'] },
      ],
      label: { column: 'y', classes: ['p', 'q', 'r'] },
    });
    const rows = [['x', 'c', 'y'], ...Array.from({ length: 90 }, (_, i) => [`${i}`, 'abc'[i % 3]!, 'pqr'[i % 3]!])];
    const table = parseTable(rows, schema);
    const site: SiteData = { kind: 'table', table, schemaSha256: 'test' };
    const sim = validateSimulation({
      clients: 3,
      partition: { kind: 'dirichlet', alpha: 1 },
      labelNoise: 'symmetric:0.5',
      noisyClients: parseNoisyClients('1,'),
      run: { clientsPerRound: 3 },
    });
    // Execute
    const clients = buildVirtualClients(site, sim, 0);
    // Assert
    const tables = clients.map((c) => (c.site as Extract<SiteData, { kind: 'table' }>).table);
    const xs = tables.flatMap((t) => [...t.numeric]);
    assert.deepEqual(
      [...xs].sort((a, b) => a - b),
      Array.from({ length: 90 }, (_, i) => i),
    );
    for (const [k, t] of tables.entries()) {
      assert.deepEqual(
        [...t.categorical],
        [...t.numeric].map((x) => x % 3),
        `client ${k}: categories left their rows`,
      );
      const flipped = [...t.labels].filter((y, r) => y !== t.numeric[r]! % 3).length;
      assert.equal(flipped > 0, k === 1, `client ${k}: ${flipped} labels flipped`);
    }
    assert.deepEqual(
      clients.map((c) => c.wrongLabels !== undefined),
      [false, true, false],
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
