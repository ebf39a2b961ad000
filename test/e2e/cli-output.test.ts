import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runFedsift } from '../helpers/client-processes.js';

describe('fedsift CLI output', () => {
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
});
