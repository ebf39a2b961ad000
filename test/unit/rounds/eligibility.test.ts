import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClientRegistry } from '../../../coordinator/clients/index.js';
import { EligibleClients } from '../../../coordinator/rounds/eligible-clients.js';
import { QuorumNotMetError } from '../../../shared/errors/index.js';
import { dataRequirement, describeRequirement, fitsRun } from '../../../coordinator/rounds/eligibility.js';
import { dataShapeMismatch } from '../../../shared/contract/index.js';
import type { ClientCapabilities } from '../../../shared/proto/index.js';
import { encodedWidth, schemaSha256 } from '../../../shared/tabular/index.js';
import { penguinSchema } from '../../helpers/penguins.js';

const schema = penguinSchema();
const width = encodedWidth(schema); // 3 islands + 4 measures + 2 sexes = 9
const tabular = dataRequirement({ inputShape: [width], numClasses: 3 }, schema);
const digits = dataRequirement({ inputShape: [28, 28, 1], numClasses: 10 }, null);

/** Capabilities of a site with data of that shape. */
const caps = (numFeatures: number, numLabelClasses: number, sha = ''): ClientCapabilities => ({
  numExamples: 100,
  backend: 'cpu',
  numFeatures,
  numLabelClasses,
  schemaSha256: sha,
});

describe("a run's eligibility: which clients' data fits its model and schema", () => {
  it('takes the input size from the whole input shape, the classes from the model, the schema by its hash', () => {
    assert.deepEqual(digits, { inputShape: [28, 28, 1], numClasses: 10, schemaSha256: '' });
    assert.deepEqual(tabular, { inputShape: [width], numClasses: 3, schemaSha256: schemaSha256(schema) });
  });

  it('accepts a site whose values per example match, whose labels stay below the classes, with the same schema', () => {
    assert.equal(dataShapeMismatch(caps(784, 10), digits), undefined);
    assert.equal(dataShapeMismatch(caps(784, 3), digits), undefined, 'a site holding only some classes');
    assert.equal(dataShapeMismatch(caps(width, 3, schemaSha256(schema)), tabular), undefined);
  });

  it('refuses, saying why: another width, a label beyond the classes, another schema or none', () => {
    const other = schemaSha256(penguinSchema({ minSiteRows: 11 }));
    assert.match(dataShapeMismatch(caps(783, 10), digits)!, /input shape \[28, 28, 1\]\), the site's data has 783/);
    assert.match(dataShapeMismatch(caps(784, 11), digits)!, /the site's labels go up to 10/);
    assert.match(dataShapeMismatch(caps(width, 3, other), tabular)!, /read with another data schema than the run's/);
    assert.match(dataShapeMismatch(caps(width, 3), tabular)!, /the site has none/);
    assert.match(
      dataShapeMismatch(caps(784, 10, other), digits)!,
      /the run has no data schema/,
      'a schema where the run has none',
    );
  });

  it('says in words what a client must have', () => {
    assert.equal(describeRequirement(digits), '784 values per example, labels below 10, no data schema');
    assert.equal(
      describeRequirement(tabular),
      `${width} values per example, labels below 3, read with the run's data schema (${schemaSha256(schema).slice(0, 12)})`,
    );
  });

  it('filters the live clients of the registry', () => {
    // Prepare: a fitting site, a site with another schema, and a fitting site that went silent
    const registry = new ClientRegistry(1_000);
    const join = (siteId: string, c: ClientCapabilities, nowMs: number) =>
      registry.join({ siteId, capabilities: c, peer: 'p', sessionId: siteId, takeover: false }, nowMs).record.clientId;
    const fit = join('fit', caps(width, 3, schemaSha256(schema)), 5_000);
    join('other-schema', caps(width, 3, schemaSha256(penguinSchema({ missing: 'drop' }))), 5_000);
    join('silent', caps(width, 3, schemaSha256(schema)), 0);

    // Execute
    const eligible = registry.live(5_500, fitsRun(tabular, false));

    // Assert
    assert.deepEqual(eligible, [fit]);
    assert.equal(registry.live(5_500).length, 2, 'without a predicate: every live client');
  });

  it('fails a wait for too few eligible clients saying what a client must have and how many did not fit', async () => {
    // Prepare: one fitting live site, one with MNIST-shaped data; the run needs 2 within 0 ms
    const clients = new ClientRegistry(60_000);
    const join = (siteId: string, c: ClientCapabilities) =>
      clients.join({ siteId, capabilities: c, peer: 'p', sessionId: siteId, takeover: false }, Date.now());
    join('fit', caps(width, 3, schemaSha256(schema)));
    join('digits', caps(784, 10));
    const config = { minAvailableClients: 2, waitForClientsMs: 0, hierarchical: false };
    const eligible = new EligibleClients({ runId: 'r', config, clients, clock: Date, requirement: tabular });

    // Execute
    const err = await eligible
      .waitFor(() => false)
      .then(
        () => assert.fail('expected a QuorumNotMetError'),
        (e: unknown) => e,
      );

    // Assert
    assert.ok(err instanceof QuorumNotMetError, String(err));
    assert.equal(
      err.message,
      `only 1 of the 2 clients needed within 0 ms: live, with data that fits the run (${describeRequirement(tabular)}); ` +
        '1 other live client did not fit',
    );
  });

  it('selects an aggregator only in a hierarchical run, without the data checks; data sites as usual in both', () => {
    // Prepare: a fitting site, an unfit one, an aggregator (data fields 0/'', as it joins) and one claiming data
    const registry = new ClientRegistry(60_000);
    const join = (siteId: string, c: ClientCapabilities) =>
      registry.join({ siteId, capabilities: c, peer: 'p', sessionId: siteId, takeover: false }, 0).record.clientId;
    const site = join('site', caps(784, 10));
    join('unfit', caps(783, 10));
    const aggregator = join('aggregator', { ...caps(0, 0), numExamples: 0, aggregator: true });
    const claimsData = join('aggregator-with-data', { ...caps(784, 10), aggregator: true });

    // Execute
    const flat = registry.live(0, fitsRun(digits, false));
    const hierarchical = registry.live(0, fitsRun(digits, true));

    // Assert
    assert.deepEqual(flat, [site], 'a flat run never selects an aggregator');
    assert.deepEqual(hierarchical, [site, aggregator, claimsData]);
  });
});
