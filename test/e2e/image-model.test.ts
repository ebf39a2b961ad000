import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { stopChild } from '../../coordinator/lab/federation/index.js';
import { loadMnistSplit, subset } from '../../shared/data/index.js';
import { saveModelFiles } from '../../shared/models/index.js';
import { loadTf } from '../../shared/tf/index.js';
import { spawnSite } from '../helpers/client-processes.js';
import { startTestCoordinator, waitFor, waitForRunState } from '../helpers/coordinators.js';
import { writeIdxPair } from '../helpers/idx-files.js';

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('an image-shaped model of the user', () => {
  it('a model.json taking [28, 28, 1] images (no flattening) federates over IDX files on 2 site processes', async () => {
    // Prepare
    const { tf } = await loadTf();
    const dir = mkdtempSync(join(tmpdir(), 'fedsift-idx-'));
    const train = loadMnistSplit('train');
    const sites = [0, 1].map((k) =>
      writeIdxPair(dir, `site-${k}`, subset(train, range(k * 800, (k + 1) * 800)), 28, 28),
    );
    const [images, labels] = writeIdxPair(dir, 'test', subset(loadMnistSplit('test'), range(0, 500)), 28, 28);
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 8, kernelSize: 5, activation: 'relu' }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 10, activation: 'softmax' }),
      ],
    });
    const modelPath = await saveModelFiles(model, join(dir, 'model'));
    model.dispose();
    const c = await startTestCoordinator();
    const clients = sites.map(([img, lab], k) =>
      spawnSite(c.address, `idx-site-${k}`, ['--data', `idx:${img},${lab}`]),
    );
    try {
      await waitFor('2 live sites', () => (c.liveClients() === 2 ? true : undefined));
      // Execute
      const run = await c.manager.startRun({
        model: modelPath,
        testData: { kind: 'idx', images, labels },
        rounds: 3,
        clientsPerRound: 2,
        minClients: 2,
        localEpochs: 1,
      });
      const spec = run.runSpec(); // a finished run no longer serves its spec
      const s = await waitForRunState(c, run.runId, ['RUN_STATE_COMPLETED', 'RUN_STATE_FAILED']);
      // Assert
      assert.equal(s.state, 'RUN_STATE_COMPLETED', s.error);
      assert.deepEqual(spec.inputShape, [28, 28, 1], 'the model keeps its image input');
      assert.ok(s.rounds.every((r) => r.responded === 2));
      const acc = s.rounds.map((r) => r.testAccuracy);
      assert.ok(acc[2]! > 0.75 && acc[2]! > acc[0]!, `test accuracy by round ${acc.join(', ')}`);
    } finally {
      await Promise.all(clients.map((p) => stopChild(p.child)));
      await c.close();
    }
  });
});
