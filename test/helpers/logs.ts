import { pino } from 'pino';
import type { Logger } from '../../shared/logging/index.js';

/** One JSON log line as pino writes it: `msg`, `level` (30 info, 40 warn) and the line's fields. */
export type LogLine = Record<string, unknown> & { msg: string; level: number };

/** A logger at level info that keeps its lines in memory, to wait for a log line instead of for a time. */
export function recordingLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as LogLine) });
  return { logger, lines };
}
