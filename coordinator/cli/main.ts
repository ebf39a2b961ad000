import { Command } from 'commander';
import { clientCommand } from '../../client-node/cli/index.js';
import { demoCommand } from '../demo/index.js';
import { experimentCommand } from '../experiments/index.js';
import { coordinatorCommand } from './coordinator-command.js';
import { exitCodeFor } from './exit-codes.js';
import { runCommand } from './run-commands.js';

const program = new Command('fedsift')
  .description('data-centric federated learning: coordinator, client daemons, run control')
  .version('0.1.0')
  .addCommand(coordinatorCommand())
  .addCommand(clientCommand())
  .addCommand(runCommand())
  .addCommand(demoCommand())
  .addCommand(experimentCommand());

program.parseAsync(process.argv).catch((err: unknown) => {
  const { code, message } = exitCodeFor(err);
  console.error(`fedsift: ${message}`);
  process.exit(code);
});
