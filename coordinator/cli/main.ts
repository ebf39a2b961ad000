import { Command, CommanderError } from 'commander';
import { clientCommand, preflightCommand } from '../../client-node/cli/index.js';
import { demoCommand } from './demo-command.js';
import { experimentCommand } from './experiment-command.js';
import { simulateCommand } from './simulate-command.js';
import { coordinatorCommand } from './coordinator-command.js';
import { aggregatorCommand } from './aggregator-command.js';
import { certsCommand } from './certs-command.js';
import { enrolCommand } from './enrol-command.js';
import { exampleCommand } from './example-command.js';
import { exitCodeFor } from './exit-codes.js';
import { runCommand } from './run-commands.js';

const program = new Command('fedsift')
  .description('data-centric federated learning: coordinator, client daemons, run control')
  .version('0.1.0')
  .addCommand(coordinatorCommand())
  .addCommand(aggregatorCommand())
  .addCommand(clientCommand())
  .addCommand(preflightCommand())
  .addCommand(runCommand())
  .addCommand(enrolCommand())
  .addCommand(certsCommand())
  .addCommand(demoCommand())
  .addCommand(experimentCommand())
  .addCommand(simulateCommand())
  .addCommand(exampleCommand());

// Usage errors (unknown option, missing or invalid argument) exit 2 like every other bad flag; --help exits 0. Help
// lists the options a subcommand inherits (`run start --help` shows `run`'s --coordinator, --insecure, TLS flags):
// commander copies help settings only to commands made with .command(), not to the ones added here, so set them on each.
const configure = (cmd: Command): void => {
  cmd.exitOverride().configureHelp({ showGlobalOptions: true });
  cmd.commands.forEach(configure);
};
configure(program);

// A reader that stops early (`fedsift run watch … | head`) closes the pipe: the next write fails with EPIPE, emitted on
// stdout where nothing would handle it (a stack trace, exit 1). Nothing more can be shown, so stop quietly, as
// `git log | head` does: exit 0.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof CommanderError)
    process.exit(
      err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help'
        ? 0
        : 2,
    );
  const { code, message } = exitCodeFor(err);
  console.error(`fedsift: ${message}`);
  process.exit(code);
});
