/**
 * `npm run bench`: runs every benchmark in its own process, one after another (so none competes with another for the
 * 2 cores or the heap), prints what each says, and writes BENCHMARKS.md: the machine, the versions, the date, and each
 * figure with the baseline measured in the same run. `npm run bench -- failover scale` runs only the benchmarks named
 * and replaces their sections in BENCHMARKS.md, each then saying when and at which commit it was measured.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { arch, cpus, release, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { meetsTarget, parseSections, type BenchSection } from './report.js';

const BENCHES = [
  'aggregation',
  'transfer',
  'codecs',
  'round-overhead',
  'secagg',
  'scale',
  'hierarchy',
  'training',
  'failover',
];
const root = fileURLToPath(new URL('../../', import.meta.url));

/** Runs one benchmark file; echoes its output; resolves with its sections. @throws when it exits non-zero. */
function runBench(name: string): Promise<BenchSection[]> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL(`./${name}.bench.ts`, import.meta.url))],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d;
    process.stdout.write(
      d
        .toString()
        .split('\n')
        .filter((l) => !l.startsWith('BENCH_SECTION ') && !l.startsWith('{"level"'))
        .join('\n'),
    );
  });
  return new Promise((resolve, reject) =>
    child.on('exit', (code) =>
      code === 0 ? resolve(parseSections(out)) : reject(new Error(`${name} benchmark exited ${code}`)),
    ),
  );
}

function version(pkg: string): string {
  return (JSON.parse(readFileSync(`${root}node_modules/${pkg}/package.json`, 'utf8')) as { version: string }).version;
}

const commit = (): string =>
  spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).stdout.trim() || 'unknown';

function markdown(sections: BenchSection[], started: Date, seconds: number): string {
  const cpu = cpus();
  const lines = [
    '# fedsift benchmarks',
    '',
    `Written by \`npm run bench\` on ${started.toISOString()} (${seconds.toFixed(0)} s), commit ${commit()}. Every ratio compares two`,
    'figures measured in this same run on this same machine; absolute numbers move from machine to machine, the ratios less.',
    '',
    `- Machine: ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Linux ${release()} (${arch()})`,
    `- Node ${process.version}; @grpc/grpc-js ${version('@grpc/grpc-js')}; @tensorflow/tfjs ${version('@tensorflow/tfjs')}; better-sqlite3 ${version('better-sqlite3')}`,
    '',
  ];
  for (const s of sections) lines.push(...sectionLines(s));
  return lines.join('\n');
}

/** A section's markdown: its title, a table of its figures, its notes. */
function sectionLines(s: BenchSection): string[] {
  const lines = [
    `## ${s.title}`,
    '',
    '| figure | value | baseline (same run) | ratio | target |',
    '|---|---|---|---|---|',
  ];
  for (const f of s.figures) {
    const target = f.target ? `${f.target.op} ${f.target.ratio}: ${meetsTarget(f) ? '**met**' : '**not met**'}` : '';
    lines.push(
      `| ${f.what} | ${f.value} | ${f.baseline ?? ''} | ${f.ratio === undefined ? '' : `${f.ratio.toFixed(2)} ×`} | ${target} |`,
    );
  }
  lines.push('', ...s.notes.map((n) => `- ${n}`), '');
  return lines;
}

/**
 * BENCHMARKS.md with the sections of a partial run (`names`) in place of the ones of the same benchmark: a section
 * is replaced when its title starts like the new one's (up to the colon), appended otherwise.
 */
function updated(existing: string, sections: BenchSection[], started: Date, names: string[]): string {
  const blocks = existing.split(/\n(?=## )/);
  for (const s of sections) {
    const lines = sectionLines(s);
    lines.splice(
      1,
      0,
      '',
      `Measured by \`npm run bench -- ${names.join(' ')}\` on ${started.toISOString()}, commit ${commit()}.`,
    );
    const prefix = `## ${s.title.split(':')[0]}:`;
    const at = blocks.findIndex((b) => b.startsWith(prefix));
    const text = lines.join('\n');
    if (at >= 0) blocks[at] = text;
    else blocks.push(text);
  }
  return blocks.join('\n');
}

const started = new Date();
const names = process.argv.slice(2);
const unknown = names.filter((n) => !BENCHES.includes(n));
if (unknown.length) throw new Error(`no benchmark named ${unknown.join(', ')}; there are ${BENCHES.join(', ')}`);
const sections: BenchSection[] = [];
for (const name of names.length ? names : BENCHES) sections.push(...(await runBench(name)));
const file = `${root}BENCHMARKS.md`;
writeFileSync(
  file,
  names.length
    ? updated(readFileSync(file, 'utf8'), sections, started, names)
    : markdown(sections, started, (Date.now() - started.getTime()) / 1000),
);
console.log('\nwrote BENCHMARKS.md');
