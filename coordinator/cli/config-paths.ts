import { resolve } from 'node:path';

/** The fields of a data source (`testData`) that hold paths, as [section, field]. */
export const TEST_DATA_PATH_FIELDS: readonly (readonly string[])[] = [
  ['testData', 'path'],
  ['testData', 'images'],
  ['testData', 'labels'],
];

/**
 * A config's content with the relative paths in `fields` ([section, field] or [field]) resolved against `dir`: a
 * config file's folder (as a path written in a file means), or the working directory for flags (bin.mjs enters the
 * folder `npm run` was typed in, INIT_CWD). Values that are not strings, or empty, are left for the schema to refuse.
 */
export function withPathsFrom(
  dir: string,
  config: Record<string, unknown>,
  fields: readonly (readonly string[])[],
): Record<string, unknown> {
  const out = structuredClone(config);
  for (const field of fields) {
    const key = field.at(-1)!;
    let parent: unknown = out;
    for (const step of field.slice(0, -1))
      parent = parent !== null && typeof parent === 'object' ? (parent as Record<string, unknown>)[step] : undefined;
    const value = parent !== null && typeof parent === 'object' ? (parent as Record<string, unknown>)[key] : undefined;
    if (typeof value === 'string' && value !== '') {
      (parent as Record<string, unknown>)[key] = resolve(dir, value);
    }
  }
  return out;
}

/** The entries of `o` whose value is not undefined (flags that were given). */
export function defined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/** A config file's section with the given flags laid over it; the section as it is when no flag was given. */
export function overlay(section: unknown, flags: Record<string, unknown>): unknown {
  const given = defined(flags);
  return Object.keys(given).length ? { ...(section as object | undefined), ...given } : section;
}
