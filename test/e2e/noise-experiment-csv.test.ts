import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { stringify } from 'csv-stringify/sync';
import { runNoiseExperiment, type NoiseExperimentOptions } from '../../coordinator/lab/experiments/index.js';
import { DataError } from '../../shared/errors/index.js';
import { createLogger } from '../../shared/logging/index.js';
import { tinyExperiment } from '../helpers/noise-experiment.js';
import { penguinRows } from '../helpers/penguins.js';

const dir = mkdtempSync(join(tmpdir(), 'fedsift-noise-csv-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The penguins schema (input form): rows with an empty cell are dropped, as the daemon would. */
const SCHEMA = {
  features: [
    { name: 'Island', kind: 'categorical', categories: ['Biscoe', 'Dream', 'Torgersen'] },
    ...['Beak Length (mm)', 'Beak Depth (mm)', 'Flipper Length (mm)', 'Body Mass (g)'].map((name) => ({
      name,
      kind: 'numeric',
    })),
    { name: 'Sex', kind: 'categorical', categories: ['FEMALE', 'MALE'] },
  ],
  label: { column: 'Species', classes: ['Adelie', 'Chinstrap', 'Gentoo'] },
  missing: 'drop',
};

/** Writes `rows` and the schema; tinyExperiment on them: 2 client processes (client 0 noisy), 1 round of plain FedAvg. */
function csvExperiment(name: string, rows: string[][]): NoiseExperimentOptions {
  const data = join(dir, `${name}.csv`);
  const schema = join(dir, `${name}-schema.json`);
  writeFileSync(data, stringify(rows));
  writeFileSync(schema, JSON.stringify(SCHEMA));
  return tinyExperiment({ data, schema });
}

describe('the label-noise experiment on a CSV table', () => {
  it('trains real client processes on per-seed shares of the CSV read with the schema, tested on a held-out table', async () => {
    // Prepare: the '.' Sex of the source is no category: as "NA" it is a missing value, and its row is dropped
    const options = csvExperiment('penguins', penguinRows(true));
    const printed: string[] = [];
    // Execute
    const arms = await runNoiseExperiment(options, createLogger({ name: 'test', level: 'error' }), (l) =>
      printed.push(l),
    );
    // Assert
    assert.deepEqual(
      arms.map((a) => [a.model, a.noise, a.variant, a.state, a.rounds.length]),
      [['mlp', 'symmetric:0.4', 'plain', 'RUN_STATE_COMPLETED', 1]],
    );
    const round = arms[0]!.rounds.at(-1)!;
    assert.ok(round.testAccuracy >= 0 && round.testAccuracy <= 1, `accuracy ${round.testAccuracy}`);
    assert.equal(round.responded, 2, 'both sites trained');
    assert.match(printed[0]!, /^label-noise experiment on .*penguins\.csv: 2 clients/);
    assert.match(readFileSync(options.table, 'utf8'), /^\| mlp \| 0 \| symmetric:0\.4 \| plain \|/m);
  });

  it('refuses a CSV the schema does not read before any process starts, naming the file, line and column', async () => {
    // Prepare: line 5's body mass is a word
    const rows = penguinRows(true);
    rows[4]![5] = 'heavy';
    const options = csvExperiment('bad', rows);
    // Execute / Assert
    await assert.rejects(
      runNoiseExperiment(options, createLogger({ name: 'test', level: 'error' }), () => undefined),
      (err) => {
        assert.ok(err instanceof DataError, String(err));
        assert.equal(err.code, 'FS_ERR_DATA');
        assert.match(err.message, /bad\.csv/);
        assert.match(err.message, /line 5/);
        assert.match(err.message, /Body Mass \(g\)/);
        return true;
      },
    );
  });
});
