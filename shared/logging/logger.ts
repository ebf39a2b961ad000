import { pino, type Logger } from 'pino';
import { ConfigError } from '../errors/index.js';

export type { Logger } from 'pino';

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  /** Component name put on every line (`coordinator`, `client`, `demo`). */
  name: string;
  /** pino level; default `info`, or `$FEDSIFT_LOG_LEVEL`. */
  level?: string;
  /** Pretty, human-readable lines instead of JSON; default: when stderr is a terminal. */
  pretty?: boolean;
}

/**
 * Creates a structured logger writing to stderr (JSON lines, or pino-pretty on a terminal). Child loggers carry
 * `run`, `round` and `client` fields. stderr keeps stdout free for command output (`--json`, demo progress).
 * @throws {ConfigError} naming $FEDSIFT_LOG_LEVEL when the level is not one of pino's.
 */
export function createLogger(opts: LoggerOptions): Logger {
  const level = opts.level ?? process.env.FEDSIFT_LOG_LEVEL ?? 'info';
  if (!Object.hasOwn(pino.levels.values, level) && level !== 'silent') {
    throw new ConfigError(
      `$FEDSIFT_LOG_LEVEL: "${level}" is not a log level; use one of ${[...Object.keys(pino.levels.values), 'silent'].join(', ')}`,
      { field: 'FEDSIFT_LOG_LEVEL' },
    );
  }
  const pretty = opts.pretty ?? Boolean(process.stderr.isTTY);
  if (pretty) {
    return pino({
      name: opts.name,
      level,
      transport: { target: 'pino-pretty', options: { destination: 2, colorize: true, ignore: 'pid,hostname' } },
    });
  }
  return pino({ name: opts.name, level }, pino.destination(2));
}

/** A logger that drops everything (tests and library use). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
