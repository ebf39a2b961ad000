import { relative } from 'node:path';
import { Command } from 'commander';
import { intArg } from '../../shared/cli/index.js';
import { loadTf } from '../../shared/tf/index.js';

/** `fedsift example penguins`: writes a ready-to-run tabular federation from real data (README "Bring your own model and data"). */
export function exampleCommand(): Command {
  const example = new Command('example').description('write a ready-to-run example federation');
  example
    .command('penguins')
    .description(
      'Palmer penguins (npm vega-datasets): site CSVs of unequal sizes, a test CSV, the data schema, a tfjs model.json and run.json',
    )
    .option('--out <dir>', 'folder to write', 'penguins')
    .option('--sites <n>', 'data sites', intArg, 3)
    .option('--seed <n>', 'seed of the split and of the initial weights', intArg, 0)
    .option('--rounds <n>', 'rounds of run.json', intArg, 30)
    .action(async (o: { out: string; sites: number; seed: number; rounds: number }) => {
      const { writePenguinsExample } = await import('../lab/examples/index.js');
      const { tf } = await loadTf();
      const files = await writePenguinsExample(tf, o);
      const at = (p: string) => relative(process.cwd(), p) || '.';
      const lines = [
        `wrote ${files.sites.length} site tables, ${at(files.test)}, ${at(files.schema)}, ${at(files.model)} and ${at(files.run)}`,
        'then, each in its own terminal:',
        '  fedsift coordinator --insecure',
        ...files.sites.map(
          (s, k) =>
            `  fedsift client --insecure --site-id site-${k + 1} --data csv:${at(s)} --schema ${at(files.schema)}`,
        ),
        `  fedsift run start --config ${at(files.run)} --watch`,
      ];
      console.log(lines.join('\n'));
    });
  return example;
}
