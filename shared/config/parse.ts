import type { z } from 'zod';
import { ConfigError } from '../errors/index.js';

/**
 * Validates `input` against a zod schema and freezes the result. Every problem is reported at once, one per line,
 * each with its dot path (`rounds: must be ≥ 1`).
 * @param what names the config in the message ("run config", "coordinator config").
 * @throws {ConfigError} with `field` = the first bad path.
 */
export function parseWith<S extends z.ZodType>(schema: S, input: unknown, what: string): Readonly<z.output<S>> {
  const result = schema.safeParse(input);
  if (result.success) return deepFreeze(result.data);
  const lines = result.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
  const first = result.error.issues[0]?.path.join('.') ?? '';
  throw new ConfigError(`invalid ${what}:\n  ${lines.join('\n  ')}`, { field: first });
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !ArrayBuffer.isView(value)) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

/** Parses JSON text, turning a syntax error into a ConfigError. @throws {ConfigError} */
export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${what} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
}
