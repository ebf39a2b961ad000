import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Command } from 'commander';
import { demoCommand } from '../../../coordinator/cli/demo-command.js';
import { experimentCommand } from '../../../coordinator/cli/experiment-command.js';
import { simulateCommand } from '../../../coordinator/cli/simulate-command.js';
import { modelListArg, seedsOf, withModelSeedLists } from '../../../coordinator/cli/lab-args.js';
import { ConfigError } from '../../../shared/errors/index.js';
import { fedsiftError } from '../../helpers/fedsift-errors.js';

interface Flags {
  seed: number;
  seeds?: number[];
  model?: unknown;
  noisyClients?: unknown;
  joinTimeoutMs?: unknown;
  slowClients?: unknown;
  /** The seeds the action would run (seedsOf). */
  runSeeds: () => number[];
}

/** The flags `args` give a command, parsed by commander without running its action. */
async function flagsOf(cmd: Command, args: string[]): Promise<Flags> {
  cmd.exitOverride().action(() => undefined);
  await cmd.parseAsync(args, { from: 'user' });
  const o = cmd.opts<Omit<Flags, 'runSeeds'>>();
  return { ...o, runSeeds: () => seedsOf(o, cmd.getOptionValueSource('seed') === 'cli') };
}
const noiseCommand = () => experimentCommand().commands.find((c) => c.name() === 'noise')!;

describe('fedsift experiment noise flags', () => {
  it('takes lists of models and seeds, and a list of noisy clients', async () => {
    // Execute
    const o = await flagsOf(noiseCommand(), ['--seeds', '0,1,2', '--model', 'mlp,cnn', '--noisy-clients', '1,3,5,7,9']);
    // Assert
    assert.deepEqual(o.model, ['mlp', 'cnn']);
    assert.deepEqual(o.runSeeds(), [0, 1, 2]);
    assert.deepEqual(o.noisyClients, [1, 3, 5, 7, 9]);
    assert.equal(o.joinTimeoutMs, undefined, 'the join wait defaults to one that grows with --clients');
  });

  it('keeps --seed N and --noisy-clients N working as before', async () => {
    // Execute
    const o = await flagsOf(noiseCommand(), ['--seed', '3', '--noisy-clients', '4', '--join-timeout-ms', '300000']);
    // Assert
    assert.deepEqual(o.runSeeds(), [3]);
    assert.deepEqual(o.model, ['mlp']);
    assert.equal(o.noisyClients, 4);
    assert.equal(o.joinTimeoutMs, 300_000);
  });

  it('refuses --seed together with --seeds', async () => {
    // Prepare
    const o = await flagsOf(noiseCommand(), ['--seed', '3', '--seeds', '1,2']);
    // Execute / Assert
    assert.throws(o.runSeeds, fedsiftError(ConfigError, /--seed and --seeds: give one of them/));
  });

  it('refuses a malformed --noisy-clients with a ConfigError naming the flag', async () => {
    // Execute / Assert
    await assert.rejects(
      flagsOf(noiseCommand(), ['--noisy-clients', '1,three']),
      fedsiftError(ConfigError, /^--noisy-clients: expected a count n/),
    );
  });

  it('fedsift demo shares the --noisy-clients parser', async () => {
    // Execute
    const o = await flagsOf(demoCommand(), ['--label-noise', 'pair:0.4', '--noisy-clients', '0,2']);
    // Assert
    assert.deepEqual(o.noisyClients, [0, 2]);
  });

  it('fedsift simulate shares the --noisy-clients parser: a list, "1," or a count', async () => {
    // Execute
    const list = await flagsOf(simulateCommand(), ['--label-noise', 'pair:0.4', '--noisy-clients', '1,3,5,7,9']);
    const one = await flagsOf(simulateCommand(), ['--label-noise', 'pair:0.4', '--noisy-clients', '1,']);
    const count = await flagsOf(simulateCommand(), ['--label-noise', 'pair:0.4', '--noisy-clients', '4']);
    // Assert
    assert.deepEqual(list.noisyClients, [1, 3, 5, 7, 9]);
    assert.deepEqual(one.noisyClients, [1]);
    assert.equal(count.noisyClients, 4);
    await assert.rejects(
      flagsOf(simulateCommand(), ['--noisy-clients', '1,three']),
      fedsiftError(ConfigError, /^--noisy-clients: expected a count n/),
    );
  });

  it('withModelSeedLists turns --model and --seed into the lists, keeping the single values out of the saved options', () => {
    // Execute
    const options = withModelSeedLists({ model: 'cnn', seed: 3, clients: 4 }, ['cnn'], [3]);
    // Assert: JSON.stringify (how the results file saves options) drops the undefined values
    assert.deepEqual(JSON.parse(JSON.stringify(options)), { clients: 4, models: ['cnn'], seeds: [3] });
  });

  it('modelListArg refuses an empty list or a repeated model', () => {
    // Execute / Assert
    assert.deepEqual(modelListArg(' mlp , cnn '), ['mlp', 'cnn']);
    assert.throws(() => modelListArg(','), /expected comma-separated models/);
    assert.throws(() => modelListArg('mlp,mlp'), /given twice: mlp/);
  });

  it('--slow-clients on demo and experiments: K:Fx or a list, checked against --clients before the action', async () => {
    // Execute
    const demo = await flagsOf(demoCommand(), ['--clients', '4', '--slow-clients', '3:5x']);
    const noise = await flagsOf(noiseCommand(), ['--clients', '6', '--slow-clients', '1,3,5:2x']);
    // Assert
    assert.deepEqual(demo.slowClients, { clients: 3, factor: 5 });
    assert.deepEqual(noise.slowClients, { clients: [1, 3, 5], factor: 2 });
    await assert.rejects(
      flagsOf(demoCommand(), ['--slow-clients', '5:2x', '--clients', '4']),
      fedsiftError(ConfigError, /^--slow-clients: a count must be in \[0, 4\]/),
    );
    await assert.rejects(
      flagsOf(demoCommand(), ['--slow-clients', '2:0.5x']),
      fedsiftError(ConfigError, /^--slow-clients: the slowdown F must be a finite number ≥ 1/),
    );
  });
});
