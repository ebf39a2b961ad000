import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '../../../shared/errors/index.js';
import {
  dataSchemaSchema,
  encodedWidth,
  loadDataSchema,
  parseDataSchema,
  schemaJson,
  schemaSha256,
} from '../../../shared/tabular/index.js';

const island = { name: 'Island', kind: 'categorical', categories: ['Biscoe', 'Dream', 'Torgersen'] };
const mass = { name: 'Body Mass (g)', kind: 'numeric' };
const species = { column: 'Species', classes: ['Adelie', 'Chinstrap', 'Gentoo'] };

/** Asserts that parsing `input` fails with a ConfigError whose message holds every fragment. */
function refuses(input: unknown, ...fragments: string[]): void {
  assert.throws(
    () => parseDataSchema(input),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError, `not a ConfigError: ${String(e)}`);
      assert.equal(e.code, 'FS_ERR_CONFIG');
      for (const f of fragments) assert.ok(e.message.includes(f), `"${f}" not in: ${e.message}`);
      return true;
    },
  );
}

describe('data schema validation', () => {
  it('applies the defaults: missing "error", standardize true, minSiteRows 10', () => {
    // Execute
    const schema = parseDataSchema({ features: [mass, island], label: species });

    // Assert
    assert.equal(schema.missing, 'error');
    assert.equal(schema.standardize, true);
    assert.equal(schema.minSiteRows, 10);
    assert.ok(Object.isFrozen(schema.features[1]));
  });

  it('accepts integer class names, as a table with labels 0 and 1 has', () => {
    const schema = parseDataSchema({ features: [mass], label: { column: 'y', classes: ['0', '1'] } });
    assert.deepEqual(schema.label.classes, ['0', '1']);
  });

  it('refuses a feature name used twice, naming the second', () => {
    refuses({ features: [mass, island, mass], label: species }, 'features.2.name', '"Body Mass (g)" repeats entry 0');
  });

  it('refuses the label column listed as a feature', () => {
    refuses(
      { features: [mass, { name: 'Species', kind: 'numeric' }], label: species },
      'label.column',
      'also features.1',
    );
  });

  it('refuses a repeated category and a repeated class, each at its index', () => {
    refuses(
      {
        features: [{ ...island, categories: ['Biscoe', 'Dream', 'Biscoe'] }],
        label: { ...species, classes: ['A', 'A'] },
      },
      'features.0.categories.2: "Biscoe" repeats entry 0',
      'label.classes.1: "A" repeats entry 0',
    );
  });

  it('refuses empty lists: no features, no categories, fewer than 2 classes', () => {
    refuses({ features: [], label: species }, 'features: needs at least 1 feature');
    refuses({ features: [{ ...island, categories: [] }], label: species }, 'features.0.categories: needs at least 1');
    refuses(
      { features: [mass], label: { ...species, classes: ['Adelie'] } },
      'label.classes: needs at least 2 classes',
    );
  });

  it('refuses a category that is a missing-value marker or has outer spaces, and unknown keys', () => {
    refuses(
      { features: [{ ...island, categories: ['NA', ' Dream'] }], label: species, scale: 2 },
      'features.0.categories.0',
      'features.0.categories.1',
      'Unrecognized key',
    );
  });

  it('reports every problem at once', () => {
    refuses(
      { features: [mass, mass], label: { column: 'Species', classes: ['x'] }, missing: 'mean' },
      'features.1.name',
      'label.classes',
      'missing',
    );
  });

  it('embeds in a bigger config with its paths under the field', () => {
    // Execute
    const result = dataSchemaSchema.safeParse({ features: [mass, mass], label: species });

    // Assert
    assert.equal(result.success, false);
    assert.deepEqual(result.error?.issues[0]?.path, ['features', 1, 'name']);
  });

  it('reads a schema file, naming the file in a refusal', () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'fedsift-schema-'));
    const good = join(dir, 'good.json');
    const bad = join(dir, 'bad.json');
    writeFileSync(good, JSON.stringify({ features: [island], label: species, missing: 'drop' }));
    writeFileSync(bad, JSON.stringify({ features: [island], label: { ...species, classes: [] } }));

    // Execute + Assert
    assert.equal(loadDataSchema(good).missing, 'drop');
    assert.throws(
      () => loadDataSchema(bad),
      (e: unknown) => e instanceof ConfigError && e.message.includes(bad),
    );
    assert.throws(() => loadDataSchema(join(dir, 'absent.json')), ConfigError);
  });
});

describe('schema hash and width', () => {
  it('hashes equal schemas equally, whatever their key order and whether defaults are written', () => {
    // Prepare
    const a = parseDataSchema(
      JSON.parse(`{"features":[${JSON.stringify(island)}],"label":${JSON.stringify(species)}}`),
    );
    const b = parseDataSchema(
      JSON.parse(
        '{"standardize":true,"label":{"classes":["Adelie","Chinstrap","Gentoo"],"column":"Species"},' +
          '"missing":"error",' +
          '"features":[{"categories":["Biscoe","Dream","Torgersen"],"kind":"categorical","name":"Island"}]}',
      ),
    );

    // Assert
    assert.match(schemaSha256(a), /^[0-9a-f]{64}$/);
    assert.equal(schemaSha256(a), schemaSha256(b));
    assert.equal(schemaJson(a), schemaJson(b));
  });

  it('hashes differently when a category changes', () => {
    const a = parseDataSchema({ features: [island], label: species });
    const b = parseDataSchema({
      features: [{ ...island, categories: ['Biscoe', 'Dream', 'Torgerson'] }],
      label: species,
    });
    assert.notEqual(schemaSha256(a), schemaSha256(b));
  });

  it('round-trips through its canonical JSON (what RunSpec carries)', () => {
    const a = parseDataSchema({ features: [mass, island], label: species, missing: 'impute-mean', minSiteRows: 3 });
    assert.deepEqual(parseDataSchema(JSON.parse(schemaJson(a))), a);
  });

  it('counts 1 input per numeric column and 1 per category', () => {
    assert.equal(
      encodedWidth(parseDataSchema({ features: [mass, island, { name: 'x', kind: 'numeric' }], label: species })),
      5,
    );
  });
});
