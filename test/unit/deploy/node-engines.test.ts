import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import semver from 'semver';

const root = new URL('../../../', import.meta.url);
const json = <T>(file: string): T => JSON.parse(readFileSync(new URL(file, root), 'utf8')) as T;

interface LockEntry {
  readonly version?: string;
  readonly engines?: { readonly node?: string } | readonly string[];
}
const claimed = json<{ engines: { node: string } }>('package.json').engines.node;
const lock = json<{ packages: Record<string, LockEntry> }>('package-lock.json');

/** Installed packages whose declared `engines.node` excludes `version`, as "path (range)". */
function excluding(version: string): string[] {
  return Object.entries(lock.packages)
    .filter(([path, e]) => path !== '' && !Array.isArray(e.engines))
    .map(([path, e]) => [path, (e.engines as { node?: string } | undefined)?.node] as const)
    .filter(([, range]) => range !== undefined && !semver.satisfies(version, range))
    .map(([path, range]) => `${path} (${range})`);
}

describe('the Node.js versions fedsift claims (package.json engines)', () => {
  it('every locked dependency supports the oldest Node.js the claim admits (no EBADENGINE on npm ci)', () => {
    const oldest = semver.minVersion(claimed)!.version;
    assert.deepEqual(excluding(oldest), [], `claimed node ${claimed}; these packages need a newer Node`);
  });

  it('every locked dependency supports the Node.js running the tests', () => {
    assert.ok(semver.satisfies(process.version, claimed), `running ${process.version}, claim ${claimed}`);
    assert.deepEqual(excluding(process.version), []);
  });

  it('README states the same minimum Node.js version as package.json', () => {
    const readme = readFileSync(new URL('README.md', root), 'utf8');
    assert.match(readme, new RegExp(`Node\\.js ${semver.minVersion(claimed)!.version.replace(/\.0$/, '')} or newer`));
  });
});
