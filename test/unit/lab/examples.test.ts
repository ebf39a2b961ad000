import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CARS, PENGUINS, writeExample } from '../../../coordinator/lab/examples/index.js';
import { parseRunConfig } from '../../../coordinator/config/index.js';
import { resolveModel } from '../../../shared/models/index.js';
import { encodedWidth, loadDataSchema, loadTable } from '../../../shared/tabular/index.js';
import { loadTf } from '../../../shared/tf/index.js';

describe('fedsift example: ready-to-run federations from real tables', () => {
  for (const [table, rows] of [
    [PENGUINS, 344],
    [CARS, 406],
  ] as const) {
    it(`${table.name}: every row once, in a test CSV and 3 sites of unequal sizes that read with the schema; run.json and model.json fit it`, async () => {
      // Prepare
      const { tf } = await loadTf();
      const out = mkdtempSync(join(tmpdir(), `fedsift-example-${table.name}-`));

      // Execute
      const files = await writeExample(tf, table, { out, seed: 3 });

      // Assert
      const schema = loadDataSchema(files.schema);
      const tables = [...files.sites, files.test].map((p) => loadTable(p, schema));
      assert.equal(
        tables.reduce((n, t) => n + t.numRows + t.droppedRows, 0),
        rows,
      );
      const sizes = tables.slice(0, 3).map((t) => t.numRows);
      assert.ok(sizes[0]! < sizes[1]! && sizes[1]! < sizes[2]!, `site sizes ${sizes.join(', ')}`);
      assert.deepEqual(tables[0]!.ignoredColumns, table === CARS ? ['Name', 'Year'] : []);
      const config = parseRunConfig(JSON.parse(readFileSync(files.run, 'utf8')));
      assert.equal(config.model, files.model);
      const { artifact } = await resolveModel(tf, config.model, { seed: 0 });
      assert.deepEqual(artifact.inputShape, [encodedWidth(schema)]);
      assert.equal(artifact.numClasses, schema.label.classes.length);
    });
  }
});
