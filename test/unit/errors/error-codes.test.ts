import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import * as errors from '../../../shared/errors/index.js';
import { exitCodeFor } from '../../../coordinator/cli/exit-codes.js';

type ErrorClass = new (message: string) => errors.FedsiftError;

/** One row of README's "Error codes" table. */
interface Row {
  code: string;
  grpcStatus: string;
  exitCode: number;
}

/** Every exported subclass of FedsiftError (not FedsiftError itself), by class name. */
function errorClasses(): [string, ErrorClass][] {
  return (Object.entries(errors) as [string, unknown][]).filter(
    (e): e is [string, ErrorClass] => typeof e[1] === 'function' && e[1].prototype instanceof errors.FedsiftError,
  );
}

/** The rows of the table whose header starts with `| code |` in README's `## Error codes` section. */
function readmeRows(): Row[] {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  const section = readme.split(/^## /m).find((s) => s.startsWith('Error codes\n'));
  assert.ok(section, 'README has a "## Error codes" section');
  const lines = section.split('\n');
  const header = lines.findIndex((l) => l.startsWith('| code |'));
  assert.ok(header >= 0, 'the "Error codes" section has a table with a "code" column');
  const rows: Row[] = [];
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith('|')) break;
    const [code, grpcStatus, exitCode] = line
      .split('|')
      .slice(1, 4)
      .map((c) => c.trim().replace(/^`|`$/g, ''));
    rows.push({ code: code!, grpcStatus: grpcStatus!, exitCode: Number(exitCode) });
  }
  return rows;
}

describe('README "Error codes" table', () => {
  it('has a row for every FedsiftError subclass, with its code, gRPC status name and CLI exit code', () => {
    // Prepare
    const classes = errorClasses();
    const rows = new Map(readmeRows().map((r) => [r.code, r]));
    assert.ok(classes.length > 0, 'shared/errors exports FedsiftError subclasses');
    for (const [name, Cls] of classes) {
      // Execute
      const err = new Cls('x');
      const row = rows.get(err.code);
      // Assert
      assert.ok(row, `${name}: no README row for ${err.code}`);
      assert.equal(row.grpcStatus, status[err.grpcStatus as number], `${name}: gRPC status of ${err.code}`);
      assert.equal(row.exitCode, exitCodeFor(err).code, `${name}: CLI exit code of ${err.code}`);
    }
  });

  it('names only codes that a FedsiftError subclass has, each once', () => {
    // Prepare
    const codes = new Set(errorClasses().map(([, Cls]) => new Cls('x').code));
    // Execute
    const rows = readmeRows().map((r) => r.code);
    // Assert
    assert.ok(rows.length > 0, 'the table has rows');
    assert.deepEqual(
      rows.filter((c) => !codes.has(c)),
      [],
      'codes in README that no error class has',
    );
    assert.deepEqual(
      rows.filter((c, i) => rows.indexOf(c) !== i),
      [],
      'codes listed twice',
    );
  });
});
