import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkData, checkModel, checkTraining } from '../../../client-node/preflight/site-checks.js';
import { parseClientConfig } from '../../../shared/config/index.js';
import type { SiteRun } from '../../../shared/proto/index.js';
import { parseDataSchema, schemaSha256 } from '../../../shared/tabular/index.js';
import { loadTf } from '../../../shared/tf/index.js';
import { miniPenguinSchema, tempFiles } from '../../helpers/site-tables.js';

const file = tempFiles('fedsift-site-checks-');
const schemaInput = miniPenguinSchema('drop');
const schemaSha = schemaSha256(parseDataSchema(schemaInput));
const rows = Array.from(
  { length: 12 },
  (_, i) => `${i},${3000 + 100 * i},${i % 2 ? 'Dream' : 'Biscoe'},${i % 2 ? 'Gentoo' : 'Adelie'}`,
);
const data = {
  kind: 'csv',
  path: file('site.csv', ['id,mass,island,species', ...rows, '98,5000,Dream,Chinstrap', '99,,Dream,Adelie'].join('\n')),
  schema: file('schema.json', JSON.stringify(schemaInput)),
};
const config = parseClientConfig({ siteId: 's', insecure: true, data });

/** A run as CheckSite names it: an `mlp:8` over the schema (3 encoded values, 3 classes) unless `over` says else. */
const run = (over: Partial<SiteRun> = {}): SiteRun => ({
  runId: 'r1',
  modelName: 'mlp:8',
  batchSize: 4,
  localEpochs: 2,
  roundDeadlineMs: 60_000,
  inputShape: [3],
  numClasses: 3,
  schemaSha256: schemaSha,
  ...over,
});

describe('preflight site checks', () => {
  it('reads the table against its schema, saying what was dropped and ignored', () => {
    const r = checkData(config);
    assert.equal(r.status, 'pass');
    assert.match(
      r.detail,
      /with the data schema .*schema\.json: 13 rows × 2 columns \(3 values encoded\), 3 of 3 classes present; 1 rows with a missing value dropped; columns not in the schema, ignored: id/,
    );
  });

  it("checks the table against each run's input size, classes and schema, as the coordinator selects", () => {
    const site = checkData(config);
    assert.equal(site.status, 'pass');
    const fits = checkModel(site.value, [run()]);
    assert.equal(fits.status, 'pass');
    assert.match(fits.detail, /fits mlp:8 of run r1 \(input \[3\], 3 classes\)/);
    const cases: [Partial<SiteRun>, string][] = [
      [{ schemaSha256: '' }, "the run has no data schema, and the site's table was read with one"],
      [{ schemaSha256: 'f'.repeat(64) }, "the site's table was read with another data schema than the run's"],
      [{ inputShape: [4] }, "the model takes 4 values per example (input shape [4]), the site's data has 3"],
      [{ numClasses: 2 }, "the model predicts 2 classes, the site's labels go up to 2"],
    ];
    for (const [over, why] of cases) {
      const r = checkModel(site.value, [run(), run({ runId: 'r2', ...over })]);
      assert.equal(r.status, 'fail', JSON.stringify(over));
      assert.equal(r.status === 'fail' && r.exitCode, 2);
      assert.ok(r.detail.includes(`run r2 trains mlp:8, and ${why}: this site would take part in none`), r.detail);
    }
  });

  it("times a batch of the run's declared MLP on the encoded table; a model.json on the coordinator is not timed", async () => {
    const site = checkData(config);
    assert.equal(site.status, 'pass');
    const loaded = await loadTf('cpu');
    const timed = await checkTraining(loaded, site.value, { run: run() });
    assert.equal(timed.status, 'pass', timed.detail);
    assert.match(
      timed.detail,
      /one batch of 4 on mlp:8: \d+ ms .*; ≈ [\d.]+ s of training per round of run r1 \(2 epochs × 4 batches/,
    );
    const file = await checkTraining(loaded, site.value, { run: run({ modelName: '/models/model.json' }) });
    assert.equal(file.status, 'skip');
    assert.match(file.detail, /model \/models\/model\.json is read on the coordinator's machine/);
    assert.equal((await checkTraining(loaded, site.value, {})).status, 'skip');
  });
});
