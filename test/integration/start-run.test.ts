import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { stringify } from 'csv-stringify/sync';
import type { Coordinator } from '../../coordinator/main.js';
import { AdminClient } from '../../coordinator/operator/index.js';
import { errorCodeOf } from '../../shared/grpc-errors/index.js';
import { saveModelFiles } from '../../shared/models/index.js';
import type { RoundAnnouncement } from '../../shared/proto/index.js';
import { encodedWidth, schemaSha256 } from '../../shared/tabular/index.js';
import { loadTf, type Tf } from '../../shared/tf/index.js';
import { runFedsift } from '../helpers/client-processes.js';
import { startTestCoordinator, waitFor, waitForRunState } from '../helpers/coordinators.js';
import { penguinRows, penguinSchema } from '../helpers/penguins.js';
import { joinProtocolClient, refusal, TEST_CAPABILITIES } from '../helpers/protocol.js';

const schema = penguinSchema({ missing: 'drop' });
const root = mkdtempSync(join(tmpdir(), 'fedsift-start-run-'));
let tf: Tf;
let c: Coordinator;
let admin: AdminClient;

/** Saves a tfjs model [inputs] → dense 4 relu → dense 3 softmax as model.json + weights.bin; @returns its path. */
async function savedModel(name: string, inputs: number): Promise<string> {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [inputs], units: 4, activation: 'relu' }),
      tf.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
  try {
    return await saveModelFiles(model, mkdirSync(join(root, name), { recursive: true })!);
  } finally {
    model.dispose();
  }
}

before(async () => {
  tf = (await loadTf('auto')).tf;
  c = await startTestCoordinator(); // the real tfjs runtime; its own test data: the held-out MNIST digits
  admin = new AdminClient(c.address);
});
after(async () => {
  admin.close();
  await c.close();
  rmSync(root, { recursive: true, force: true });
});

describe('StartRun resolves the run’s model and test data, and refuses what does not fit, naming the field', () => {
  it('refuses a model.json with a layer class tfjs does not know, naming the class', async () => {
    // Prepare: a saved model whose second layer is a custom class
    const path = await savedModel('custom', 9);
    const json = JSON.parse(readFileSync(path, 'utf8')) as {
      modelTopology: { config: { layers: { class_name: string }[] } };
    };
    json.modelTopology.config.layers[1]!.class_name = 'AttentionPooling';
    writeFileSync(path, JSON.stringify(json));

    // Execute
    const err = await refusal(admin.startRun({ model: path, schema }));

    // Assert
    assert.equal(err?.code, status.INVALID_ARGUMENT);
    assert.equal(errorCodeOf(err), 'FS_ERR_CONFIG');
    assert.match(err.details, /^invalid run config:\n {2}model: .*AttentionPooling/, 'the layout of a local check');
  });

  it('refuses a declared MLP without a data schema', async () => {
    const err = await refusal(admin.startRun({ model: 'mlp:16' }));
    assert.equal(err?.code, status.INVALID_ARGUMENT);
    assert.match(err.details, /model: mlp:16 takes its input size and classes from the data schema/);
  });

  it("refuses a model.json whose input is not the schema's encoded width, naming model and schema", async () => {
    const path = await savedModel('narrow', 5);
    const err = await refusal(admin.startRun({ model: path, schema }));
    assert.equal(err?.code, status.INVALID_ARGUMENT);
    assert.match(
      err.details,
      /model: model ".*model\.json" takes 5 values per example \(\[5\]\) and predicts 3 classes; the run's schema encodes a row as 9 values .* and names 3 classes/,
    );
  });

  it("refuses a model whose input the test data does not fit, naming testData (the coordinator's)", async () => {
    const path = await savedModel('five-inputs', 5);
    const err = await refusal(admin.startRun({ model: path }));
    assert.equal(err?.code, status.INVALID_ARGUMENT);
    assert.match(
      err.details,
      /testData: the coordinator's test data .*for model ".*": data has 784 features per example, the model expects 5/,
    );
  });

  it('starts a model.json run with a schema and its CSV test table; CheckSite tells sites its input, classes and schema', async () => {
    // Prepare
    const path = await savedModel('penguins', encodedWidth(schema));
    const testPath = join(root, 'test.csv');
    writeFileSync(testPath, stringify(penguinRows(true).slice(0, 60)));
    const before = c.manager.list().length;
    const site = await joinProtocolClient(c.address, 'site-check', TEST_CAPABILITIES);
    const heard: RoundAnnouncement[] = [];
    const watch = site.link.watchRounds(site.clientId);
    watch.on('data', (a: RoundAnnouncement) => heard.push(a));
    watch.on('error', () => undefined); // cancelled at the end
    try {
      // Execute: start, check, stop while it waits for sites with the schema's data
      const started = await admin.startRun({ model: path, schema, testData: { kind: 'csv', path: testPath } });
      const { runs } = await site.link.checkSite('site-check', '', Date.now() + 30_000);
      await admin.stopRun(started.runId);
      const stopped = await waitForRunState(c, started.runId, ['RUN_STATE_STOPPED', 'RUN_STATE_FAILED']);
      await waitFor('its run-done announcement', () => heard.find((a) => a.phase === 'ROUND_PHASE_RUN_DONE'));

      // Assert
      assert.equal(c.manager.list().length, before + 1, 'only this run was started; the refused ones were not');
      assert.equal(started.state, 'RUN_STATE_WAITING');
      const run = runs.find((r) => r.runId === started.runId);
      assert.deepEqual(run && [run.modelName, run.inputShape, run.numClasses, run.schemaSha256], [
        path,
        [9],
        3,
        schemaSha256(schema),
      ]);
      assert.equal(stopped.state, 'RUN_STATE_STOPPED', stopped.error);
      assert.deepEqual(
        heard.map((a) => a.phase),
        ['ROUND_PHASE_RUN_DONE'],
        'stopped before round 0: never announced',
      );
    } finally {
      watch.cancel();
      site.link.close();
    }
  });

  it('fedsift run start reads --schema FILE into the config and makes relative paths absolute where it was typed', async () => {
    // Prepare: as `npm run fedsift` typed in `dir` (INIT_CWD): the schema and model there, a config file in conf/
    const dir = mkdirSync(join(root, 'typed-here'), { recursive: true })!;
    const model = await savedModel(join('typed-here', 'model'), encodedWidth(schema));
    writeFileSync(join(dir, 'schema.json'), JSON.stringify(schema));
    writeFileSync(join(dir, 'test.csv'), stringify(penguinRows(true).slice(0, 60)));
    mkdirSync(join(dir, 'conf'));
    writeFileSync(join(dir, 'conf', 'run.json'), JSON.stringify({ testData: { kind: 'csv', path: '../test.csv' } }));
    const args = [
      'run',
      'start',
      '--config',
      'conf/run.json',
      '--schema',
      'schema.json',
      '--model',
      'model/model.json',
    ];

    // Execute
    const r = await runFedsift([...args, '--coordinator', c.address, '--json'], {
      npm_lifecycle_event: 'fedsift',
      INIT_CWD: dir,
    });

    // Assert
    assert.equal(r.code, 0, r.stderr);
    const { runId } = JSON.parse(r.stdout) as { runId: string };
    const { config } = c.manager.get(runId);
    try {
      assert.equal(config.model, model, 'the model.json where the command was typed');
      assert.deepEqual(config.schema, schema);
      assert.deepEqual(config.testData, { kind: 'csv', path: join(dir, 'test.csv') });
    } finally {
      await admin.stopRun(runId);
    }
  });
});
