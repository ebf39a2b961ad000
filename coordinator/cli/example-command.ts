import { relative } from 'node:path';
import { Command } from 'commander';
import { intArg } from '../../shared/cli/index.js';
import { ConfigError } from '../../shared/errors/index.js';
import { loadTf } from '../../shared/tf/index.js';

/** Options of `fedsift example`. */
interface ExampleFlags {
  out?: string;
  sites: number;
  seed: number;
  rounds: number;
}

/**
 * `fedsift example penguins|cars`: writes a ready-to-run tabular federation from a real table of the npm package
 * vega-datasets (README "Bring your own model and data") and prints the commands that run it.
 */
export function exampleCommand(): Command {
  return new Command('example')
    .description(
      'write a ready-to-run tabular federation from a real table (npm vega-datasets): site CSVs of unequal sizes, a test CSV, the data schema, a tfjs model.json and run.json',
    )
    .argument('<table>', 'penguins (species from measurements, island, sex) or cars (origin from engine figures)')
    .option('--out <dir>', 'folder to write (default: the table name)')
    .option('--sites <n>', 'data sites', intArg, 3)
    .option('--seed <n>', 'seed of the split and of the initial weights', intArg, 0)
    .option('--rounds <n>', 'rounds of run.json', intArg, 30)
    .action(async (name: string, o: ExampleFlags) => {
      const { EXAMPLE_TABLES, writeExample } = await import('../lab/examples/index.js');
      const table = EXAMPLE_TABLES[name];
      if (!table) throw new ConfigError(`example "${name}": expected penguins or cars`, { field: 'table' });
      const { tf } = await loadTf();
      const files = await writeExample(tf, table, { ...o, out: o.out ?? name });
      const at = (p: string) => relative(process.cwd(), p) || '.';
      const lines = [
        `${table.description}`,
        `wrote ${files.sites.length} site tables, ${at(files.test)}, ${at(files.schema)}, ${at(files.model)} and ${at(files.run)}`,
        'then, each in its own terminal (inside the fedsift repository: npm run fedsift -- <command>):',
        '  fedsift coordinator --insecure',
        ...files.sites.map(
          (s, k) =>
            `  fedsift client --insecure --site-id site-${k + 1} --data csv:${at(s)} --schema ${at(files.schema)}`,
        ),
        `  fedsift run start --insecure --config ${at(files.run)} --watch`,
        '  fedsift run status --insecure <run id>     # the global feature statistics of round 0, then every round',
      ];
      console.log(lines.join('\n'));
    });
}
