/**
 * Aggregation benchmark (`npm run bench`): FedAvg streaming aggregation against a plain Float32Array add-loop measured
 * in the same run, and the RSS growth of a coordinator round folding 100 updates of a 1M-parameter model.
 * Speed claims are ratios to the baseline of the same run, never absolute timings.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ChunkAssembler, chunkBytes } from '../../shared/codec/index.js';
import { RunningWeightedMean } from '../../coordinator/strategies/index.js';
import type { OpenRound } from '../../coordinator/rounds/index.js';
import { openTestRound, testUpdate } from '../helpers/open-rounds.js';
import { bestSeconds, emit, type BenchFigure } from './report.js';

const PARAMS = 1_000_000;
const MODEL_BYTES = PARAMS * 4;
const UPDATES = 100;

/** A round of the real coordinator path: intake (header checks) → chunks into a pooled buffer, values checked as they land (hashed on the hashing thread) → fold. */
function fedAvgRound(): { round: OpenRound; feed: (i: number) => Promise<void> } {
  const round = openTestRound(
    PARAMS,
    Array.from({ length: UPDATES }, (_, i) => `c${i}`),
    0.5,
  );
  const wire = new Float32Array(PARAMS); // stands in for the socket: what arrives, one update at a time
  return {
    round,
    async feed(i) {
      wire.fill(0.5 + i * 1e-3);
      const { header, bytes } = testUpdate(`c${i}`, wire, 100 + i);
      const receiver = round.receive(header);
      const asm = new ChunkAssembler(MODEL_BYTES, receiver.buffer());
      for (const chunk of chunkBytes(bytes)) {
        asm.push(chunk);
        receiver.received(asm.receivedBytes);
      }
      receiver.complete(await asm.finish(header.sha256), header.sha256);
    },
  };
}

async function throughput(): Promise<BenchFigure[]> {
  const xs = Array.from({ length: 10 }, (_, k) => new Float32Array(PARAMS).fill(k * 0.1));
  const addLoop = await bestSeconds(3, () => {
    const sum = new Float32Array(PARAMS);
    for (const x of xs) for (let i = 0; i < PARAMS; i++) sum[i] = sum[i]! + x[i]!;
  });
  const fold = await bestSeconds(3, () => {
    const m = new RunningWeightedMean(PARAMS);
    xs.forEach((x, k) => m.add(x, 1 + k));
  });
  const path = await bestSeconds(3, async () => {
    const { round, feed } = fedAvgRound();
    for (let i = 0; i < 10; i++) await feed(i);
    round.close('stopped');
  });
  const gbs = (s: number) => `${((10 * MODEL_BYTES) / s / 1e9).toFixed(2)} GB/s`;
  return [
    {
      what: 'streaming fold (running weighted mean)',
      value: gbs(fold),
      baseline: `Float32Array add-loop ${gbs(addLoop)}`,
      ratio: addLoop / fold,
      target: { op: '≥', ratio: 0.5 },
    },
    {
      what: 'full receive path (chunks, SHA-256, finite check, fold)',
      value: gbs(path),
      baseline: `add-loop ${gbs(addLoop)}`,
      ratio: addLoop / path,
    },
  ];
}

/** Peak growth of buffer memory (ArrayBuffer backing stores) and of RSS while a round folds UPDATES updates. */
async function memoryChild(): Promise<void> {
  const { round, feed } = fedAvgRound();
  const base = process.memoryUsage();
  let buffers = 0,
    rss = 0;
  for (let i = 0; i < UPDATES; i++) {
    await feed(i);
    const now = process.memoryUsage();
    buffers = Math.max(buffers, now.arrayBuffers - base.arrayBuffers);
    rss = Math.max(rss, now.rss - base.rss);
  }
  round.close('stopped');
  console.log(JSON.stringify({ buffers, rss }));
}

/**
 * Memory a FedAvg round adds while it folds UPDATES updates arriving one after another: the peak growth of buffer
 * memory (running mean, receive buffers; the global model and the stand-in socket buffer exist before). RSS growth is
 * reported beside it: it also moves with the JS heap's garbage (0–4 MB from run to run here).
 */
function memory(): BenchFigure {
  // A fresh process, so nothing else in the heap blurs the reading.
  const child = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--memory'], {
    encoding: 'utf8',
  });
  if (child.status !== 0) throw new Error(`memory child failed: ${child.stderr}`);
  const { buffers, rss } = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as { buffers: number; rss: number };
  const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;
  return {
    what: `buffer memory added by a round folding ${UPDATES} updates (RSS growth ${mb(rss)})`,
    value: mb(buffers),
    baseline: `one model ${mb(MODEL_BYTES)}`,
    ratio: buffers / MODEL_BYTES,
    target: { op: '≤', ratio: 3 },
  };
}

if (process.argv.includes('--memory')) await memoryChild();
else {
  emit({
    title: `FedAvg aggregation: 10 updates × ${PARAMS.toLocaleString('en')} parameters; memory of a ${UPDATES}-update round`,
    figures: [...(await throughput()), memory()],
    notes: ['throughput best of 3; the memory reading in a fresh process'],
  });
}
