import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import type { Coordinator } from '../../coordinator/main.js';
import { FEDSIFT_BIN } from '../../coordinator/lab/federation/index.js';
import { runFedsift } from '../helpers/client-processes.js';
import { startTestCoordinator } from '../helpers/coordinators.js';

/** The message of `fedsift: …` on stderr with the text of `field`'s bad value replaced by `…`: its layout. */
const layout = (stderr: string, field: string) => stderr.replace(new RegExp(`(\\n\\s+${field}: ).*`), '$1…');

let c: Coordinator;
before(async () => (c = await startTestCoordinator()));
after(() => c.close());

describe('fedsift CLI output', () => {
  it('run watch piped into a reader that closes after the first line exits 0 without a stack trace', async () => {
    // Prepare: a run that waits for clients, watched through a pipe whose reader keeps only the first line
    const run = await c.manager.startRun({ rounds: 2, minAvailableClients: 2, model: 'mlp' });
    const child = spawn(process.execPath, [FEDSIFT_BIN, 'run', 'watch', run.runId, '--coordinator', c.address], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FEDSIFT_INSECURE: '1' },
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = once(child, 'exit');
    const [first] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
    child.stdout.destroy();
    await once(child.stdout, 'close');
    // Execute: stopping the run makes the watch write again, into the closed pipe
    run.stop();
    const [code] = (await exited) as [number | null];
    // Assert
    assert.match(first, /round/);
    assert.equal(code, 0, stderr);
    assert.doesNotMatch(stderr, /EPIPE|\n\s+at /);
  });

  it("lists the parent's global options in a subcommand's --help", async () => {
    for (const cmd of ['start', 'status', 'watch', 'stop', 'list']) {
      // Execute
      const r = await runFedsift(['run', cmd, '--help']);
      // Assert
      assert.equal(r.code, 0, r.stderr);
      const global = r.stdout.split('Global Options:')[1] ?? '';
      for (const option of ['--coordinator <host:port>', '--insecure', '--admin-token <token>', '--tls-ca <file>'])
        assert.ok(global.includes(option), `run ${cmd} --help lists ${option}:\n${r.stdout}`);
    }
  });

  it('prints a bad model the same way whether fedsift run start or the coordinator caught it, naming the field', async () => {
    // Prepare: an MLP without a schema fails the local check; a model.json that is not there, only the coordinator's
    const at = ['--coordinator', c.address];
    const runs = c.manager.list().length;
    // Execute
    const local = await runFedsift(['run', 'start', '--model', 'mlp:8', ...at]);
    const remote = await runFedsift(['run', 'start', '--model', '/nonexistent/model.json', ...at]);
    // Assert: one layout; exit 2 for a config refused before sending it, 4 for one the coordinator refused
    assert.equal(local.code, 2, local.stderr);
    assert.equal(remote.code, 4, remote.stderr);
    assert.match(remote.stderr, /\n\s+model: cannot read model\.json \/nonexistent\/model\.json/);
    assert.equal(layout(local.stderr, 'model'), 'fedsift: invalid run config:\n  model: …\n');
    assert.equal(layout(remote.stderr, 'model'), layout(local.stderr, 'model'));
    assert.equal(c.manager.list().length, runs, 'no run started');
  });
});
