import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runSpecOf } from '../../../coordinator/rounds/run-spec.js';
import type { ModelArtifact } from '../../../shared/models/index.js';
import { combineStatistics, parseTable, schemaJson, siteStatistics } from '../../../shared/tabular/index.js';
import { penguinRows, penguinSchema } from '../../helpers/penguins.js';

const schema = penguinSchema({ missing: 'drop' });
const artifact: ModelArtifact = {
  ref: 'mlp:8',
  topologyJson: '{"class_name":"Sequential","config":{"layers":[]}}',
  inputShape: [9],
  numClasses: 3,
};
const statistics = combineStatistics(schema, [siteStatistics(parseTable(penguinRows(true), schema))]);

describe("a run's RunSpec", () => {
  it('carries the model, the schema as canonical JSON, and the statistics only once there are some', () => {
    const before = runSpecOf('run-1', artifact, schema, undefined);
    const after = runSpecOf('run-1', artifact, schema, statistics);
    assert.deepEqual(
      { ...before, sha256: '' },
      {
        runId: 'run-1',
        modelRef: 'mlp:8',
        modelTopologyJson: artifact.topologyJson,
        inputShape: [9],
        numClasses: 3,
        schemaJson: schemaJson(schema),
        sha256: '',
      },
    );
    assert.equal('statistics' in before, false, 'absent before round 0');
    assert.deepEqual(after.statistics, statistics);
    assert.equal(runSpecOf('run-1', artifact, null, undefined).schemaJson, '', 'no schema: empty');
  });

  it('has a SHA-256 equal for equal specs and different when any field differs', () => {
    // Prepare
    const base = runSpecOf('run-1', artifact, schema, undefined).sha256;
    const variants = [
      runSpecOf('run-2', artifact, schema, undefined),
      runSpecOf('run-1', { ...artifact, ref: 'mlp:9' }, schema, undefined),
      runSpecOf('run-1', { ...artifact, topologyJson: '{}' }, schema, undefined),
      runSpecOf('run-1', { ...artifact, inputShape: [3, 3] }, schema, undefined),
      runSpecOf('run-1', { ...artifact, numClasses: 4 }, schema, undefined),
      runSpecOf('run-1', artifact, penguinSchema({ missing: 'impute-mean' }), undefined),
      runSpecOf('run-1', artifact, null, undefined),
      runSpecOf('run-1', artifact, schema, statistics),
      runSpecOf('run-1', artifact, schema, { ...statistics, rows: statistics.rows - 1 }),
    ];

    // Execute + Assert
    assert.match(base, /^[0-9a-f]{64}$/);
    assert.equal(runSpecOf('run-1', { ...artifact }, schema, undefined).sha256, base);
    const hashes = new Set([base, ...variants.map((v) => v.sha256)]);
    assert.equal(hashes.size, variants.length + 1, 'every variant hashes differently');
  });
});
