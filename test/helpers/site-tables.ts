import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The data schema (JSON input form) of a small penguins-like table: a numeric `mass`, a categorical `island`
 * (Biscoe, Dream), the label `species` with 3 classes (Adelie, Gentoo, Chinstrap), and the given missing-value policy.
 */
export function miniPenguinSchema(missing: 'error' | 'drop' | 'impute-mean' = 'drop') {
  return {
    features: [
      { name: 'mass', kind: 'numeric' },
      { name: 'island', kind: 'categorical', categories: ['Biscoe', 'Dream'] },
    ],
    label: { column: 'species', classes: ['Adelie', 'Gentoo', 'Chinstrap'] },
    missing,
  };
}

/** A fresh temporary folder, and a function that writes a file there and returns its path. */
export function tempFiles(prefix: string): (name: string, text: string) => string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return (name, text) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
}
