import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  loadSiteData,
  runDataset,
  runStatistics,
  siteCapabilities,
  statisticsToSend,
  withLabelNoise,
  type SiteData,
} from '../../../client-node/data/index.js';
import { DataError } from '../../../shared/errors/index.js';
import type { RunSpec } from '../../../shared/proto/index.js';
import { createRng } from '../../../shared/random/index.js';
import {
  combineStatistics,
  parseDataSchema,
  schemaJson,
  schemaSha256,
  siteStatistics,
} from '../../../shared/tabular/index.js';
import { assertClose } from '../../helpers/assert-close.js';
import { recordingLogger } from '../../helpers/logs.js';
import { miniPenguinSchema, tempFiles } from '../../helpers/site-tables.js';

const file = tempFiles('fedsift-site-data-');
const schemaInput = miniPenguinSchema('drop');
const schema = parseDataSchema(schemaInput);
const schemaFile = file('schema.json', JSON.stringify(schemaInput));
/** 5 rows: an id column the schema does not name, one row with an empty mass (dropped), no Chinstrap. */
const tableCsv = file(
  'penguins.csv',
  'id,mass,island,species\n1,3000,Biscoe,Adelie\n2,,Dream,Gentoo\n3,4000,Dream,Gentoo\n4,5000,Biscoe,Adelie\n5,6000,Dream,Gentoo\n',
);

/** The wire spec of a run over `schema` (no model needed to prepare data: an `mlp:4` of its width). */
function spec(over: Partial<RunSpec> = {}): RunSpec {
  return {
    runId: 'r',
    modelRef: 'mlp:4',
    modelTopologyJson: '{}',
    inputShape: [3],
    numClasses: 3,
    schemaJson: schemaJson(schema),
    statistics: null,
    sha256: 'x',
    ...over,
  };
}

const loadTableSite = (): SiteData =>
  loadSiteData({ kind: 'csv', path: tableCsv, schema: schemaFile }, recordingLogger().logger);

describe("a site's data", () => {
  it('refuses a table or a plain CSV without a single row to train on, naming the file', () => {
    const headerOnly = file('header-only.csv', 'id,mass,island,species\n');
    const allGaps = file('all-gaps.csv', 'id,mass,island,species\n1,,Dream,Gentoo\n');
    const plain = file('plain-header.csv', 'x,label\n');
    const load = (path: string, withSchema = true) =>
      loadSiteData({ kind: 'csv', path, ...(withSchema && { schema: schemaFile }) }, recordingLogger().logger);
    assert.throws(
      () => load(headerOnly),
      (e: unknown) => e instanceof DataError && /header-only\.csv: no rows/.test(e.message),
    );
    assert.throws(() => load(allGaps), /all-gaps\.csv: no rows to train on \(1 dropped for missing values\)/);
    assert.throws(
      () => load(plain, false),
      (e: unknown) => e instanceof DataError && /plain-header\.csv: no examples/.test(e.message),
    );
  });

  it('reads a CSV against its schema, logging the ignored columns and the dropped rows once, and says so on Join', () => {
    // Prepare
    const { logger, lines } = recordingLogger();
    // Execute
    const site = loadSiteData({ kind: 'csv', path: tableCsv, schema: schemaFile }, logger);
    // Assert
    assert.equal(site.kind, 'table');
    const ignored = lines.filter((l) => /columns the data schema does not name/.test(l.msg));
    const dropped = lines.filter((l) => /^rows dropped: a missing value/.test(l.msg));
    assert.deepEqual(
      ignored.map((l) => l.ignoredColumns),
      [['id']],
    );
    assert.deepEqual(
      dropped.map((l) => [l.droppedRows, l.rows]),
      [[1, 4]],
    );
    assert.deepEqual(siteCapabilities(site), {
      numExamples: 4,
      numFeatures: 3, // mass + one-hot of 2 islands
      numLabelClasses: 2, // Adelie, Gentoo: labels 0 and 1
      schemaSha256: schemaSha256(schema),
    });
  });

  it('without a schema, needs no class count: the labels say how many classes the model must have', () => {
    const site = loadSiteData(
      { kind: 'csv', path: file('plain.csv', 'a,b,label\n1,2,0\n3,4,6\n') },
      recordingLogger().logger,
    );
    assert.deepEqual(siteCapabilities(site), { numExamples: 2, numFeatures: 2, numLabelClasses: 7, schemaSha256: '' });
  });

  it("encodes the table for a run with the run's statistics; refuses a run without them, or with another schema", () => {
    // Prepare
    const site = loadTableSite();
    assert.equal(site.kind, 'table');
    const statistics = combineStatistics(schema, [siteStatistics(site.table)]);
    // Execute
    const data = runDataset(site, spec({ statistics }));
    // Assert: mass 3000, 4000, 5000, 6000 → z-scores (mean 4500, population std √1.25e6); islands one-hot
    const std = Math.sqrt(1.25e6);
    assert.equal(data.numFeatures, 3);
    assert.equal(data.numClasses, 3);
    assertClose(data.features, [-1500 / std, 1, 0, -500 / std, 0, 1, 500 / std, 1, 0, 1500 / std, 0, 1], 1e-6);
    assert.throws(
      () => runDataset(site, spec()),
      (e: unknown) => e instanceof DataError && /needs the run's global statistics/.test(e.message),
    );
    const other = parseDataSchema({ ...schemaInput, missing: 'impute-mean' });
    assert.throws(
      () => runDataset(site, spec({ schemaJson: schemaJson(other), statistics })),
      (e: unknown) =>
        e instanceof DataError &&
        /run r's data schema differs from the one this site's table was read with/.test(e.message),
    );
    assert.throws(
      () => runDataset(site, spec({ schemaJson: '', statistics })),
      (e: unknown) =>
        e instanceof DataError && /run r has no data schema, and this site's table was read with one/.test(e.message),
    );
  });

  it("gathers round 0's statistics only for a run with the site's schema", () => {
    const site = loadTableSite();
    assert.equal(site.kind, 'table');
    assert.deepEqual(runStatistics(site, spec()), siteStatistics(site.table));
    const digits: SiteData = {
      kind: 'dataset',
      dataset: { features: new Float32Array(3), labels: Int32Array.from([0]), numFeatures: 3, numClasses: 1 },
    };
    assert.throws(
      () => runStatistics(digits, spec()),
      (e: unknown) =>
        e instanceof DataError && /reads its sites' tables with a data schema, and this site has none/.test(e.message),
    );
  });

  it("sends a site's sums in round 0, or only its row count below the schema's minSiteRows", () => {
    // Prepare: the 4-row site read with minSiteRows 10 (the default), and the same rows under minSiteRows 4
    const site = loadTableSite();
    assert.equal(site.kind, 'table');
    const atFour = parseDataSchema({ ...schemaInput, minSiteRows: 4 });
    const enough: SiteData = { ...site, table: { ...site.table, schema: atFour }, schemaSha256: schemaSha256(atFour) };
    // Execute
    const below = statisticsToSend(site, spec());
    const whole = statisticsToSend(enough, spec({ schemaJson: schemaJson(atFour) }));
    // Assert
    assert.deepEqual(below, { sums: { rows: 4, numeric: [], categorical: [] }, rowsOnly: true, minSiteRows: 10 });
    assert.deepEqual(whole, { sums: siteStatistics(site.table), rowsOnly: false, minSiteRows: 4 });
  });

  it("flips a table's labels among the schema's classes, not only those the site holds (label-noise injection)", () => {
    // Prepare: the site holds Adelie and Gentoo; the schema has 3 classes
    const site = loadTableSite();
    assert.equal(site.kind, 'table');
    // Execute: every label flipped
    const noisy = withLabelNoise(site, { kind: 'pair', rate: 0.999999 }, createRng(1));
    // Assert: pair flip c → (c + 1) mod 3 over the schema's 3 classes
    assert.equal(noisy.site.kind, 'table');
    assert.deepEqual([...(noisy.site.kind === 'table' ? noisy.site.table.labels : [])], [1, 2, 1, 2]);
    assert.deepEqual([...noisy.flipped], [1, 1, 1, 1]);
    assert.deepEqual([...site.table.labels], [0, 1, 0, 1], 'the input is not modified');
  });
});
