/**
 * Update codecs benchmark: one site in another process submits 100 MB-model updates (25 M float32 parameters, its
 * weights the global model plus seeded noise of 1e-3) with each codec, through fedsift's SubmitUpdate into a
 * coordinator here that checks, decodes and folds them. Timed on the site from before encoding to the coordinator's
 * ack: encode (chunk by chunk while sending, as the daemon does) + send + receive + check + decode-and-fold. Target: int8
 * moves ≥ 2× the parameters per second of none. Environment: CODEC_BENCH_PARAMS (parameters), CODEC_BENCH_ROUNDS
 * (rounds per codec, default 9), CODEC_BENCH_CODECS (comma-separated, none first).
 */
import { FixedModelRuntime } from '../helpers/fixed-runtime.js';
import { startTestCoordinator } from '../helpers/coordinators.js';
import { spawnPeer } from './peers.js';
import { emit, median } from './report.js';

const PARAMS = Number(process.env.CODEC_BENCH_PARAMS ?? 25_000_000);
const REPEATS = Number(process.env.CODEC_BENCH_ROUNDS ?? 9);
const CODECS = (process.env.CODEC_BENCH_CODECS ?? 'none,fp16,int8,topk:0.05+int8').split(',');

/** Seconds of each round's update (encode → ack) with `codec`, measured by a site process. */
async function updateSeconds(codec: string): Promise<number[]> {
  const c = await startTestCoordinator({}, { runtime: new FixedModelRuntime(PARAMS, false) });
  try {
    const site = spawnPeer<number[]>(['--codec-site', c.address]);
    const run = { rounds: REPEATS, clientsPerRound: 1, minClients: 1, model: 'mlp', roundDeadlineMs: 600_000 };
    await c.manager.startRun({ ...run, updateCodec: codec });
    return await site;
  } finally {
    await c.close();
  }
}

const seconds = new Map<string, number>();
const perRound: string[] = [];
for (const codec of CODECS) {
  const s = await updateSeconds(codec);
  seconds.set(codec, median(s));
  perRound.push(`${codec}: ${s.map((x) => x.toFixed(3)).join(', ')} s`);
}
const rate = (codec: string) => PARAMS / seconds.get(codec)!;
const mps = (codec: string) => `${(rate(codec) / 1e6).toFixed(0)} M parameters/s`;
emit({
  title: `Update codecs: ${PARAMS / 1e6} M-parameter updates, encode → SubmitUpdate → decode + fold → ack, site in another process`,
  figures: CODECS.filter((c) => c !== 'none').map((codec) => ({
    what: `${codec} update throughput`,
    value: mps(codec),
    baseline: `none ${mps('none')}`,
    ratio: rate(codec) / rate('none'),
    ...(codec === 'int8' && { target: { op: '≥' as const, ratio: 2 } }),
  })),
  notes: [
    `median of ${REPEATS} rounds per codec, each codec on a fresh coordinator; per round: ${perRound.join('; ')}`,
    'timed on the site from before encoding (the delta against the global model, top-k selection with error feedback; fp16 and int8 encoded chunk by chunk as the upload asks for them) to the ack, which the coordinator sends once the update is hash-checked, value-checked and folded (int8 and fp16 decoded inside the fold)',
  ],
});
