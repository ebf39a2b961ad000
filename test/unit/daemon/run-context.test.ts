import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { RunContexts } from '../../../client-node/daemon/index.js';
import type { SiteData } from '../../../client-node/data/index.js';
import { loadMnistSplit, subset } from '../../../shared/data/index.js';
import { DataError } from '../../../shared/errors/index.js';
import { silentLogger } from '../../../shared/logging/index.js';
import type { RunSpec } from '../../../shared/proto/index.js';
import { loadTf, type Tf } from '../../../shared/tf/index.js';
import { testRunSpec } from '../../helpers/run-specs.js';

let tf: Tf;
before(async () => {
  tf = (await loadTf('auto')).tf;
});

/** A site of 64 real digits (no schema). */
const digitsSite = (): SiteData => ({
  kind: 'dataset',
  dataset: subset(
    loadMnistSplit('train'),
    Array.from({ length: 64 }, (_, i) => i),
  ),
});

/** A fetch that answers `spec` and counts its calls. */
function fetcher(spec: RunSpec) {
  const f = Object.assign(async () => ((f.calls += 1), spec), { calls: 0 });
  return f;
}

const fit = { localEpochs: 1, batchSize: 32, learningRate: 1e-3 };

describe("the daemon's run contexts", () => {
  it('fetches a run spec once per sha256 and keeps one trainer for it; a new spec rebuilds the trainer', async () => {
    // Prepare
    const runs = new RunContexts({ tf, site: digitsSite(), seed: 1, logger: silentLogger() });
    const mlp = await testRunSpec(tf, { runId: 'r', model: 'mlp' });
    const cnn = await testRunSpec(tf, { runId: 'r', model: 'cnn' });
    const fetchMlp = fetcher(mlp.spec),
      fetchCnn = fetcher(cnn.spec);
    // Execute
    const first = await runs.trainer({ runId: 'r', runSpecSha256: mlp.spec.sha256 }, fetchMlp);
    const again = await runs.trainer({ runId: 'r', runSpecSha256: mlp.spec.sha256 }, fetchMlp);
    const trained = await again.train(mlp.initialWeights, fit, 1);
    const changed = await runs.trainer({ runId: 'r', runSpecSha256: cnn.spec.sha256 }, fetchCnn);
    const cnnFit = await changed.train(cnn.initialWeights, fit, 1);
    await runs.dispose();
    // Assert
    assert.equal(fetchMlp.calls, 1, 'the spec held is not fetched again');
    assert.equal(first, again, 'one trainer per run and spec');
    assert.equal(fetchCnn.calls, 1);
    assert.notEqual(changed, first, 'a new spec builds a new trainer');
    assert.equal(trained.weights.specs.length, 4, 'mlp: 2 dense layers');
    assert.deepEqual(
      cnnFit.weights.specs.map((s) => s.name),
      cnn.initialWeights.specs.map((s) => s.name),
    );
  });

  it('RUN_DONE releases the run: its model and data tensors are freed, and its next round fetches the spec anew', async () => {
    // Prepare
    const baseline = tf.memory().numTensors;
    const runs = new RunContexts({ tf, site: digitsSite(), seed: 1, logger: silentLogger() });
    const { spec, initialWeights } = await testRunSpec(tf, { runId: 'r', model: 'mlp' });
    const fetch = fetcher(spec);
    const a = { runId: 'r', runSpecSha256: spec.sha256 };
    await (await runs.trainer(a, fetch)).train(initialWeights, fit, 1);
    const held = tf.memory().numTensors;
    // Execute
    await runs.release('r');
    const released = tf.memory().numTensors;
    await runs.spec(a, fetch);
    // Assert
    assert.ok(held > baseline, `the run holds tensors: ${baseline} → ${held}`);
    assert.equal(released, baseline, `after RUN_DONE: ${released} tensors, ${baseline} before the run`);
    assert.equal(fetch.calls, 2, 'the released spec is fetched again');
  });

  it("fails every round of a run whose model the site's data does not fit, saying why, without rebuilding", async () => {
    // Prepare: a tabular MLP with 20 inputs; the site holds 784 values per digit
    const runs = new RunContexts({ tf, site: digitsSite(), seed: 1, logger: silentLogger() });
    const { spec } = await testRunSpec(tf, {
      runId: 'narrow',
      model: 'mlp:8',
      tabular: { inputSize: 20, numClasses: 10 },
    });
    const fetch = fetcher(spec);
    const a = { runId: 'narrow', runSpecSha256: spec.sha256 };
    const why = (e: unknown) =>
      e instanceof DataError &&
      e.message.includes(
        "this site's data does not fit the model of run narrow (mlp:8): data has 784 features per example, the model expects 20",
      );
    // Execute, Assert
    await assert.rejects(runs.trainer(a, fetch), why);
    await assert.rejects(runs.trainer(a, fetch), why);
    assert.equal(fetch.calls, 1);
    await runs.dispose();
  });
});
