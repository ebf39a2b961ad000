import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PENGUINS, writeExample, type ExampleFiles } from '../../coordinator/lab/examples/index.js';
import { simulate, type SimulationOptions } from '../../coordinator/lab/simulation/index.js';
import { loadMnistSplit } from '../../shared/data/index.js';
import { ConfigError, DataError } from '../../shared/errors/index.js';
import { loadDataSchema, loadTable } from '../../shared/tabular/index.js';
import { loadTf } from '../../shared/tf/index.js';
import { fedsiftError } from '../helpers/fedsift-errors.js';

describe('simulation mode on a CSV read with the run schema (--data)', () => {
  let dir: string;
  let example: ExampleFiles;
  let run: Record<string, unknown>;

  before(async () => {
    // The penguins federation of `fedsift example` with one site: its CSV holds every training row.
    const { tf } = await loadTf();
    dir = mkdtempSync(join(tmpdir(), 'fedsift-simulate-data-'));
    example = await writeExample(tf, PENGUINS, { out: dir, sites: 1, seed: 0, rounds: 1 });
    run = { ...JSON.parse(readFileSync(example.run, 'utf8')), clientsPerRound: 3, minClients: 3, rounds: 1 };
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it(
    'shares the rows over 3 virtual clients (Dirichlet), gathers round 0 statistics and trains the schema model for 1 round',
    { timeout: 300_000 },
    async () => {
      // Prepare
      const options: SimulationOptions = {
        clients: 3,
        data: example.sites[0],
        run,
        partition: { kind: 'dirichlet', alpha: 1 },
        labelNoise: 'pair:0.4',
        noisyClients: [1],
      };
      const rows = loadTable(example.sites[0]!, loadDataSchema(example.schema)).numRows;
      const testRows = loadTable(example.test, loadDataSchema(example.schema)).numRows;

      // Execute
      const r = await simulate(options);

      // Assert
      assert.equal(r.data, example.sites[0]);
      assert.equal(r.examplesPerClient.mean * 3, rows, 'every row goes to exactly one client');
      assert.ok(r.examplesPerClient.min < r.examplesPerClient.max, 'a label-skewed split gives unequal shares');
      assert.deepEqual(r.noisyClientIndices, [1]);
      assert.equal(r.initial.numExamples, testRows, "evaluated on the run's testData");
      assert.equal(r.rounds.length, 1);
      const [round] = r.rounds;
      assert.equal(round!.responded, 3, JSON.stringify(round!.failures));
      assert.ok(Number.isFinite(round!.trainLoss) && Number.isFinite(round!.testAccuracy), JSON.stringify(round));
      assert.ok(
        r.finalModelSha256 !== (await simulate({ ...options, run: { ...run, seed: 1 } })).finalModelSha256,
        'another seed, another model',
      );
    },
  );

  it('fails at start on a bad row, naming the file, the line and the column', async () => {
    // Prepare: line 4 gets text in a numeric column
    const bad = join(dir, 'bad.csv');
    const lines = readFileSync(example.sites[0]!, 'utf8').split('\n');
    const header = lines[0]!.split(',');
    const col = header.indexOf('Body Mass (g)');
    const cells = lines[3]!.split(',');
    cells[col] = 'heavy';
    lines[3] = cells.join(',');
    writeFileSync(bad, lines.join('\n'));

    // Execute / Assert
    await assert.rejects(
      simulate({ clients: 3, data: bad, run }),
      fedsiftError(DataError, /bad\.csv line 4, column "Body Mass \(g\)": .*heavy/),
    );
  });

  it('reads a numeric CSV with a label column when the run has no schema, and trains the MLP on it', async () => {
    // Prepare: 300 real digits written as CSV rows (784 pixels, then the label)
    const digits = loadMnistSplit('train');
    const d = digits.numFeatures;
    const header = [...Array.from({ length: d }, (_, j) => `p${j}`), 'label'].join(',');
    const lines = Array.from({ length: 300 }, (_, i) =>
      [...digits.features.subarray(i * d, (i + 1) * d), digits.labels[i]].join(','),
    );
    const csv = join(dir, 'digits.csv');
    writeFileSync(csv, [header, ...lines].join('\n') + '\n');

    // Execute
    const r = await simulate({
      clients: 2,
      data: csv,
      partition: { kind: 'iid' },
      run: { rounds: 1, clientsPerRound: 2, minClients: 2, model: 'mlp', localEpochs: 1 },
    });

    // Assert
    assert.equal(r.examplesPerClient.mean * 2, 300);
    assert.equal(r.rounds[0]!.responded, 2, JSON.stringify(r.rounds[0]!.failures));
    assert.equal(r.initial.numExamples, 2000, 'no testData: the held-out digits');
  });

  it('refuses a schema without --data, and a schema without testData, naming the option', async () => {
    // Execute / Assert
    await assert.rejects(
      simulate({ clients: 3, run }),
      fedsiftError(ConfigError, /run\.schema \(--config\): the virtual clients hold MNIST digits.*give --data/),
    );
    await assert.rejects(
      simulate({ clients: 3, data: example.sites[0], run: { ...run, testData: null } }),
      fedsiftError(ConfigError, /run\.testData \(--config\): a run with a data schema evaluates on a held-out CSV/),
    );
  });
});
