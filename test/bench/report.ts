/**
 * What each benchmark reports: a titled section of figures, each with the baseline measured in the same run and,
 * where the issue sets one, a target on the ratio. `npm run bench` (test/bench/run.ts) runs every benchmark in its own
 * process, collects the sections and writes BENCHMARKS.md.
 */

/** One measured figure. `ratio` = value / baseline in the figure's unit; `target` bounds it (`≥` or `≤`). */
export interface BenchFigure {
  what: string;
  value: string;
  baseline?: string;
  ratio?: number;
  target?: { op: '≥' | '≤'; ratio: number };
}

/** One benchmark's results. `notes` say how it was measured (what is timed, best of how many). */
export interface BenchSection {
  title: string;
  figures: BenchFigure[];
  notes: string[];
}

const MARK = 'BENCH_SECTION ';

/** True when a figure has a target and its ratio meets it. */
export function meetsTarget(f: BenchFigure): boolean | undefined {
  if (!f.target || f.ratio === undefined) return undefined;
  return f.target.op === '≥' ? f.ratio >= f.target.ratio : f.ratio <= f.target.ratio;
}

/** Prints a section for a reader, then once more as one machine-readable line for the runner. */
export function emit(section: BenchSection): void {
  console.log(`\n${section.title}`);
  for (const f of section.figures) {
    const ratio = f.ratio === undefined ? '' : ` = ${f.ratio.toFixed(2)} × baseline`;
    const target = f.target ? ` (target ${f.target.op} ${f.target.ratio}: ${meetsTarget(f) ? 'met' : 'NOT met'})` : '';
    console.log(`  ${f.what}: ${f.value}${f.baseline ? ` vs ${f.baseline}` : ''}${ratio}${target}`);
  }
  for (const n of section.notes) console.log(`  · ${n}`);
  console.log(MARK + JSON.stringify(section));
}

/** The sections a benchmark process printed (its stdout). */
export function parseSections(stdout: string): BenchSection[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith(MARK))
    .map((l) => JSON.parse(l.slice(MARK.length)) as BenchSection);
}

/** Smallest wall time of `n` runs of `step` (awaited when it returns a promise), in seconds. */
export async function bestSeconds(n: number, step: () => unknown): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await step();
    best = Math.min(best, (performance.now() - t) / 1000);
  }
  return best;
}

/** Median of a non-empty list (the mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
