import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors/index.js';
import { parseJson } from './parse.js';

/** Reads a JSON config file holding one object. @throws {ConfigError} when it is missing, not JSON or not an object. */
export function readJsonFile(path: string, what: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read ${what} ${path}: ${(err as Error).message}`, { cause: err });
  }
  const value = parseJson(text, `${what} ${path}`);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(
      `invalid ${what} ${path}:\n  (root): expected a JSON object, got ${Array.isArray(value) ? 'an array' : String(value)}`,
    );
  }
  return value as Record<string, unknown>;
}
