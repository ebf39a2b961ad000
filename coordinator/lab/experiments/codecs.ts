import { writeFileSync } from 'node:fs';
import type { Logger } from '../../../shared/logging/index.js';
import type { RoundSummary } from '../../../shared/proto/index.js';
import type { FederatedRunShape } from '../federation/index.js';
import { runArm } from './arm.js';
import { meanStd, pct } from './arm-stats.js';

/** Options of `fedsift experiment codecs`. */
export interface CodecExperimentOptions extends Omit<FederatedRunShape, 'seed'> {
  /** Update codecs to compare (run config `updateCodec`); the first is the reference, normally `none`. */
  codecs: string[];
  /** Seeds: each seed is one federation (partition and run seed) that every codec trains on. */
  seeds: number[];
  /** The run config's `downloadCodec` of every arm. */
  downloadCodec: 'none' | 'fp16';
  /** JSON results and the markdown table. */
  out: string;
  table: string;
}

/** One codec on one seed. */
export interface CodecArm {
  codec: string;
  seed: number;
  state: string;
  error: string;
  /** Central test accuracy after the last round (ratio). */
  finalAccuracy: number;
  /** Mean over rounds of (update bytes sent ÷ the same updates as float32). */
  bytesRatio: number;
  /** Mean update bytes per round and global-model bytes per round (FetchModel). */
  updateBytesPerRound: number;
  modelBytesPerRound: number;
  rounds: RoundSummary[];
}

/**
 * Update compression on the demo federation: for every seed, one run per codec on the same partition and run seed,
 * fresh client processes each. Reports per codec the bytes clients sent per round against float32, and the final
 * accuracy (mean ± standard deviation over seeds, and its difference to the reference codec, paired by seed).
 */
export async function runCodecExperiment(
  o: CodecExperimentOptions,
  logger: Logger,
  out: (line: string) => void = console.log,
): Promise<CodecArm[]> {
  const arms: CodecArm[] = [];
  out(
    `codec experiment: ${o.clients} clients, ${o.rounds} rounds, model ${o.model}, Dirichlet α=${o.alpha}, seeds ${o.seeds.join(',')}, download ${o.downloadCodec}`,
  );
  for (const seed of o.seeds) {
    for (const codec of o.codecs) {
      const arm = await playArm(o, codec, seed, logger);
      arms.push(arm);
      out(
        `seed ${seed} ${codec}: final ${pct(arm.finalAccuracy)}, bytes ×${arm.bytesRatio.toFixed(3)}${arm.error ? ` (${arm.state}: ${arm.error})` : ''}`,
      );
      writeFileSync(o.out, JSON.stringify({ options: o, arms }, null, 2) + '\n');
    }
  }
  const table = codecTable(arms, o.codecs, o.seeds);
  writeFileSync(o.table, table + '\n');
  out(table);
  out(`results in ${o.out}, table in ${o.table}`);
  return arms;
}

async function playArm(o: CodecExperimentOptions, codec: string, seed: number, logger: Logger): Promise<CodecArm> {
  const arm = { codec, seed };
  try {
    const { final } = await runArm(
      { ...o, seed },
      {
        name: `codec ${codec} seed ${seed}`,
        strategy: 'fedavg',
        sitePrefix: 'codec-site',
        runConfig: { updateCodec: codec, downloadCodec: o.downloadCodec },
      },
      logger,
    );
    const rounds = final.rounds;
    const mean = (f: (r: RoundSummary) => number) => rounds.reduce((s, r) => s + f(r), 0) / rounds.length;
    return {
      ...arm,
      state: final.state,
      error: final.error,
      finalAccuracy: rounds.at(-1)?.testAccuracy ?? NaN,
      bytesRatio: mean((r) => (r.updateBytes ?? NaN) / (r.rawUpdateBytes ?? NaN)),
      updateBytesPerRound: mean((r) => r.updateBytes ?? NaN),
      modelBytesPerRound: mean((r) => r.modelBytes ?? NaN),
      rounds,
    };
  } catch (err) {
    const nan = { finalAccuracy: NaN, bytesRatio: NaN, updateBytesPerRound: NaN, modelBytesPerRound: NaN };
    return { ...arm, ...nan, state: 'FAILED_TO_START', error: (err as Error).message, rounds: [] };
  }
}

/**
 * The README table: per codec, bytes per round as a share of float32, update MB per round, final accuracy mean ±
 * standard deviation over seeds, the paired difference to the first codec (points), and each seed's accuracy. A seed
 * whose run of some codec failed is shown as failed in that codec's row, never silently averaged.
 */
export function codecTable(arms: readonly CodecArm[], codecs: readonly string[], seeds: readonly number[]): string {
  const at = (codec: string, seed: number) => arms.find((a) => a.codec === codec && a.seed === seed);
  const ref = codecs[0]!;
  const rows = codecs.map((codec) => {
    const mine = seeds.map((s) => at(codec, s));
    const acc = meanStd(mine.map((a) => a?.finalAccuracy ?? NaN));
    const diffs = seeds.map((s) => (at(codec, s)?.finalAccuracy ?? NaN) - (at(ref, s)?.finalAccuracy ?? NaN));
    const diff = meanStd(diffs);
    const ratio = meanStd(mine.map((a) => a?.bytesRatio ?? NaN));
    const mb = meanStd(mine.map((a) => a?.updateBytesPerRound ?? NaN));
    const perSeed = mine.map(
      (a, i) =>
        `${seeds[i]}: ${a && a.state === 'RUN_STATE_COMPLETED' ? pct(a.finalAccuracy) : `failed (${a?.error ?? 'not run'})`}`,
    );
    const points = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(2)}`;
    return `| ${codec} | ${ratio.mean.toFixed(3)} | ${(mb.mean / 1e6).toFixed(2)} | ${pct(acc.mean)} ± ${(acc.std * 100).toFixed(2)} | ${codec === ref ? '—' : `${points(diff.mean)} ± ${(diff.std * 100).toFixed(2)}`} | ${perSeed.join(', ')} |`;
  });
  return [
    '| update codec | bytes ÷ float32 | update MB / round | final accuracy (mean ± sd) | Δ vs ' +
      ref +
      ' (points, paired) | per seed |',
    '|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}
