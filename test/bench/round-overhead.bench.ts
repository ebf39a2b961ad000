/**
 * Coordinator overhead per round (`npm run bench`): 100 clients on loopback, a 1M-parameter model; the round counts
 * announce → 100 model downloads → 100 update uploads → FedAvg → central evaluation → checkpoint (SQLite + atomic file),
 * with no local training. Baseline of the same run: copying the same bytes in memory (100 models down, 100 updates up).
 * Target: ≤ 5 × the baseline.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoordinatorLink } from '../../client-node/link/index.js';
import { MAX_CHUNK_BYTES } from '../../shared/codec/index.js';
import { DEFAULT_TRANSPORT } from '../../shared/config/index.js';
import { FixedModelRuntime } from '../helpers/fixed-runtime.js';
import { startTestCoordinator, waitFor } from '../helpers/coordinators.js';

const PARAMS = 1_000_000;
const CLIENTS = 100;
const BYTES = PARAMS * 4;

/** Seconds to copy 2 × CLIENTS × BYTES in memory (best of 3). */
function copyBaseline(): number {
  const src = Buffer.alloc(BYTES, 1), dst = Buffer.alloc(BYTES);
  let best = Infinity;
  for (let r = 0; r < 3; r++) {
    const t = performance.now();
    for (let i = 0; i < 2 * CLIENTS; i++) src.copy(dst);
    best = Math.min(best, (performance.now() - t) / 1000);
  }
  return best;
}

/** Seconds of one round with CLIENTS protocol clients that fetch and submit at once. */
async function round(): Promise<number> {
  const c = await startTestCoordinator({ stateDir: mkdtempSync(join(tmpdir(), 'fedsift-bench-')) }, { runtime: new FixedModelRuntime(PARAMS) });
  const links = Array.from({ length: CLIENTS }, () => new CoordinatorLink(c.address, DEFAULT_TRANSPORT));
  try {
    const ids = await Promise.all(links.map((l, i) => l.join({ siteId: `bench-${i}`, token: '', capabilities: { numExamples: 10, backend: 'none', models: ['mlp'] } })));
    const started = performance.now();
    const run = c.manager.startRun({ rounds: 1, clientsPerRound: CLIENTS, minClients: CLIENTS, model: 'mlp', roundDeadlineMs: 600_000 });
    await waitFor('round 1 open', () => (run.status().currentRound === 1 ? true : undefined), 60_000);
    await Promise.all(
      links.map(async (l, i) => {
        const { weights } = await l.fetchModel(run.runId, 1, ids[i]!.clientId);
        await l.submitUpdate({ runId: run.runId, round: 1, clientId: ids[i]!.clientId, numExamples: 10, metrics: {}, weights }, MAX_CHUNK_BYTES);
      }),
    );
    await waitFor('run completed', () => (run.isFinished ? true : undefined), 120_000);
    return (performance.now() - started) / 1000;
  } finally {
    links.forEach((l) => l.close());
    await c.close();
  }
}

console.log(`node ${process.version}, ${process.arch}, ${new Date().toISOString()}`);
const copy = copyBaseline();
const r = Math.min(await round(), await round());
console.log(`Coordinator overhead per round, ${CLIENTS} clients × ${PARAMS.toLocaleString('en')} parameters, no training (best of 2):`);
console.log(`  baseline: copying the ${((2 * CLIENTS * BYTES) / 1e9).toFixed(1)} GB in memory   ${(copy * 1000).toFixed(0)} ms`);
console.log(`  round: announce, ${CLIENTS} downloads + ${CLIENTS} uploads over gRPC, FedAvg, evaluation, checkpoint   ${(r * 1000).toFixed(0)} ms = ${(r / copy).toFixed(1)} × baseline (target ≤ 5)`);
