import { MultiBar, Presets } from 'cli-progress';
import type { RunStatus } from '../../shared/proto/index.js';

/** Where `run watch` writes: table rows, and on a terminal a live progress bar under them. */
export interface RoundProgress {
  row(line: string): void;
  update(status: RunStatus): void;
  stop(): void;
}

/** Plain rows through `out` (pipes, files, tests). */
export function plainProgress(out: (line: string) => void): RoundProgress {
  return { row: out, update: () => undefined, stop: () => undefined };
}

/**
 * Rows printed above a cli-progress bar that shows round, state and the last test accuracy (terminals only: the bar
 * redraws in place).
 */
export function terminalProgress(): RoundProgress {
  const multi = new MultiBar(
    {
      format: ' round {value}/{total} |{bar}| {state} · test accuracy {acc} · {clients} clients',
      hideCursor: true,
      clearOnComplete: false,
    },
    Presets.shades_classic,
  );
  const bar = multi.create(1, 0, { state: 'waiting', acc: '—', clients: 0 });
  return {
    row: (line) => multi.log(`${line}\n`),
    update: (s) => {
      const last = s.rounds.at(-1);
      bar.setTotal(s.totalRounds);
      bar.update(s.rounds.length, {
        state: s.state.replace('RUN_STATE_', '').toLowerCase(),
        acc: last ? `${(last.testAccuracy * 100).toFixed(2)}%` : '—',
        clients: s.connectedClients,
      });
    },
    stop: () => {
      multi.update(); // flushes rows logged since the last redraw, which stop() alone would drop
      multi.stop();
    },
  };
}
