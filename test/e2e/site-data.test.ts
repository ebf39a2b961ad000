import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { logLines, runFedsift } from '../helpers/client-processes.js';
import { freePort } from '../helpers/processes.js';
import { miniPenguinSchema, tempFiles } from '../helpers/site-tables.js';

const file = tempFiles('fedsift-site-data-');

/** The penguins schema with the given missing-value policy, as a file. */
const schema = (missing: 'error' | 'drop' | 'impute-mean') =>
  file(`schema-${missing}.json`, JSON.stringify(miniPenguinSchema(missing)));

const GOOD_ROWS = ['3000,Biscoe,Adelie', '4000,Dream,Gentoo', '5000,Biscoe,Adelie'];

/** A CSV with a date column (not in the schema) whose 4th line is `row`; `header` replaces the usual one. */
function table(name: string, row: string, header = 'date,mass,island,species'): string {
  const rows = [...GOOD_ROWS.slice(0, 2), row].map((r, i) => `2026-01-0${i + 1},${r}`);
  return file(`${name}.csv`, [header, ...rows].join('\n'));
}

/**
 * `fedsift client` on `csv` read against `schemaFile`, towards a coordinator that is not there: data that fits the
 * schema is loaded and the daemon then gives up joining (exit 3); data that does not fit stops it first (exit 2).
 */
async function client(csv: string, schemaFile: string, extra: string[] = []) {
  const coordinator = `127.0.0.1:${await freePort()}`;
  const args = ['client', '--site-id', 's', '--coordinator', coordinator, '--connect-timeout', '300'];
  return runFedsift([...args, '--data', `csv:${csv}`, '--schema', schemaFile, ...extra]);
}

describe("fedsift client: a site table read against the run's data schema at start", () => {
  for (const [what, csv, column, detail] of [
    [
      'a missing column',
      table('no-island', '3000,Adelie', 'date,mass,species'),
      'island',
      /no column "island" of the schema; the header has "date", "mass", "species"/,
    ],
    [
      'text in a numeric column',
      table('text', 'heavy,Biscoe,Adelie'),
      'mass',
      /line 4, column "mass": "heavy" is not a number/,
    ],
    [
      'an unknown category',
      table('category', '3000,Atlantis,Adelie'),
      'island',
      /line 4, column "island": "Atlantis" is not a category of the schema/,
    ],
    [
      'a label outside the class list',
      table('label', '3000,Biscoe,Emperor'),
      'species',
      /line 4, column "species": "Emperor" is not a class of the schema/,
    ],
    [
      'a missing value under "error"',
      table('missing', ',Biscoe,Adelie'),
      'mass',
      /line 4, column "mass": missing value "" \(the schema's missing policy is "error"/,
    ],
  ] as const) {
    it(`exits 2 for ${what}, naming the column and the first bad row`, async () => {
      // Prepare: the bad cell sits on line 4; the policy is "error"
      // Execute
      const r = await client(csv, schema('error'));
      // Assert
      assert.equal(r.code, 2, r.stderr);
      assert.ok(r.stderr.includes(`"${column}"`), r.stderr);
      assert.match(r.stderr, detail);
    });
  }

  for (const missing of ['drop', 'impute-mean'] as const) {
    it(`under "${missing}" accepts a missing value, still exits 2 for a bad cell naming its column`, async () => {
      // Prepare
      const withGap = table(`gap-${missing}`, ',Biscoe,Adelie');
      const withText = table(`text-${missing}`, 'n/a?,Biscoe,Adelie');
      // Execute
      const accepted = await client(withGap, schema(missing));
      const refused = await client(withText, schema(missing));
      // Assert: the table loaded (the daemon then failed to join: exit 3), the bad cell did not
      assert.equal(accepted.code, 3, accepted.stderr);
      assert.doesNotMatch(accepted.stderr, /column "mass"/);
      const dropped = logLines(
        accepted.stderr,
        `rows dropped: a missing value under the schema's "drop" policy, or a missing label`,
      );
      assert.deepEqual(
        dropped.map((l) => l.droppedRows),
        missing === 'drop' ? [1] : [],
      );
      assert.deepEqual(
        logLines(accepted.stderr, 'columns the data schema does not name are ignored').map((l) => l.ignoredColumns),
        [['date']],
      );
      assert.equal(refused.code, 2, refused.stderr);
      assert.match(refused.stderr, /line 4, column "mass": "n\/a\?" is not a number/);
    });
  }

  it('exits 2 for --label-column or --feature-scale beside --schema, and for --schema with data other than a CSV', async () => {
    const csv = table('fine', GOOD_ROWS[2]!);
    const label = await client(csv, schema('error'), ['--label-column', 'species']);
    const scale = await client(csv, schema('error'), ['--feature-scale', '0.5']);
    const mnist = await runFedsift(['client', '--site-id', 's', '--data', 'mnist', '--schema', schema('error')]);
    assert.equal(label.code, 2, label.stderr);
    assert.match(label.stderr, /--label-column and --schema do not go together/);
    assert.equal(scale.code, 2, scale.stderr);
    assert.match(scale.stderr, /--feature-scale and --schema do not go together/);
    assert.equal(mnist.code, 2, mnist.stderr);
    assert.match(mnist.stderr, /--schema reads a CSV table \(--data csv:PATH\), not --data mnist/);
  });

  it('exits 2 naming the field of a schema file that is not one', async () => {
    const bad = file('bad-schema.json', JSON.stringify({ features: [], label: { column: 'species', classes: ['a'] } }));
    const r = await client(table('any', GOOD_ROWS[2]!), bad);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /features: needs at least 1 feature/);
    assert.match(r.stderr, /label\.classes: needs at least 2 classes/);
  });
});
