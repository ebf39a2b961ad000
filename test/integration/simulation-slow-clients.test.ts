import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { simulate, type SimulationOptions } from '../../coordinator/lab/simulation/index.js';
import { CLIENT_METRICS } from '../../shared/contract/index.js';
import { ConfigError } from '../../shared/errors/index.js';
import { runFedsift } from '../helpers/client-processes.js';
import { fedsiftError } from '../helpers/fedsift-errors.js';

/** 2 virtual clients of 600 digits, one round of 3 local epochs: their training is most of the round. */
const TWO: SimulationOptions = {
  clients: 2,
  samplesPerClient: 600,
  partition: { kind: 'iid' },
  run: { rounds: 1, clientsPerRound: 2, minClients: 2, model: 'mlp', localEpochs: 3, seed: 11 },
};

describe('simulation with slow clients (--slow-clients)', () => {
  it("a round with one 3× client holds that client's wait inside its duration, and ends with the same model as without it", async () => {
    // Execute
    const plain = await simulate(TWO);
    const slowed = await simulate({ ...TWO, slowClients: { clients: [0], factor: 3 } });
    // Assert
    const [p, s] = [plain.rounds[0]!, slowed.rounds[0]!];
    const waitMs = s.clientMetrics[CLIENT_METRICS.slowdownMs]!;
    assert.equal(p.clientMetrics[CLIENT_METRICS.slowdownMs], undefined, 'nobody waits without --slow-clients');
    assert.ok(waitMs > 0, 'the slowed client waited');
    assert.ok(s.durationMs >= waitMs, `the wait (${waitMs} ms) lies inside the round (${s.durationMs} ms)`);
    assert.equal(slowed.finalModelSha256, plain.finalModelSha256, 'slowing a client changes no result');
    assert.deepEqual(slowed.slowClients, [{ index: 0, factor: 3 }]);
    assert.deepEqual(plain.slowClients, []);
  });

  it('each slowed client waits ≈ (F − 1) × its training: with both at 3×, slowdown_ms ≈ 2 × train_ms', async () => {
    // Execute
    const r = await simulate({ ...TWO, slowClients: { clients: 2, factor: 3 } });
    // Assert: example-weighted means over the same two clients, so the ratio is each client's
    const m = r.rounds[0]!.clientMetrics;
    const ratio = m[CLIENT_METRICS.slowdownMs]! / m[CLIENT_METRICS.trainMs]!;
    assert.ok(
      ratio > 1.8 && ratio < 3,
      `waited ${m[CLIENT_METRICS.slowdownMs]} ms, trained ${m[CLIENT_METRICS.trainMs]} ms`,
    );
  });

  it('refuses slow clients the federation does not have, naming the flag, before loading anything', async () => {
    // Execute / Assert
    await assert.rejects(
      simulate({ ...TWO, slowClients: { clients: 3, factor: 2 } }),
      fedsiftError(ConfigError, /^--slow-clients: a count must be in \[0, 2\]/),
    );
  });
});

describe('fedsift simulate --slow-clients (CLI)', () => {
  it('names the slowed clients on the start line and runs; exits 2 naming the flag for a bad spec', async () => {
    // Prepare
    const small = [
      '--clients',
      '2',
      '--clients-per-round',
      '2',
      '--rounds',
      '1',
      '--samples-per-client',
      '50',
      '--iid',
    ];
    // Execute
    const ok = await runFedsift(['simulate', ...small, '--local-epochs', '1', '--slow-clients', '1,:3x']);
    const tooMany = await runFedsift(['simulate', ...small, '--slow-clients', '3:2x']);
    const tooFast = await runFedsift(['simulate', ...small, '--slow-clients', '1:0.5x']);
    // Assert
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /2 virtual clients .*, client 1 trains 3× slower, tfjs backend/);
    assert.match(ok.stdout, /^1\/1 +2\/2 /m);
    assert.equal(tooMany.code, 2, tooMany.stderr);
    assert.match(tooMany.stderr, /--slow-clients: a count must be in \[0, 2\]/);
    assert.equal(tooFast.code, 2, tooFast.stderr);
    assert.match(tooFast.stderr, /--slow-clients: the slowdown F must be a finite number ≥ 1/);
  });
});

describe('asynchronous simulation with a slow client (mode "async")', () => {
  it(
    'the fast clients make versions while the slow one waits; its update then counts, stale',
    { timeout: 300_000 },
    async () => {
      // Prepare: 3 clients, client 0 slowed, one update per version, every client training at once; the slowed
      // client's wait ends once two more versions were made (or the run made its last): the others must make them
      const rounds = 12;
      let made = 0;
      const waits: { until: number; done: () => void }[] = [];
      const onRound = (s: { round: number }) => {
        made = s.round;
        for (const w of waits.filter((x) => made >= x.until || made >= rounds)) {
          waits.splice(waits.indexOf(w), 1);
          w.done();
        }
      };
      const sleep = () =>
        made >= rounds ? Promise.resolve() : new Promise<void>((done) => waits.push({ until: made + 2, done }));
      const options: SimulationOptions = {
        clients: 3,
        samplesPerClient: 100,
        partition: { kind: 'iid' },
        slowClients: { clients: [0], factor: 10 },
        run: {
          mode: 'async',
          async: { bufferSize: 1, maxConcurrency: 3, maxStaleness: 20 },
          rounds,
          clientsPerRound: 3,
          minClients: 1,
          model: 'mlp',
          localEpochs: 1,
          seed: 5,
        },
      };
      // Execute
      const r = await simulate(options, { onRound, sleep });
      // Assert: versions carrying the slow client's update report its wait (slowdown_ms), each 2 or more versions old
      assert.equal(r.rounds.length, rounds);
      const slow = r.rounds.filter((s) => s.clientMetrics[CLIENT_METRICS.slowdownMs] !== undefined);
      assert.ok(slow.length > 0, 'the slow client contributed');
      assert.ok(
        slow.every((s) => s.clientMetrics.staleness_mean! >= 2),
        'each slow update was trained from a version at least 2 older',
      );
    },
  );

  it('fedsift simulate --config with mode "async" names the versions and the buffer on its start line', async () => {
    // Prepare
    const config = join(mkdtempSync(join(tmpdir(), 'fedsift-async-')), 'run.json');
    writeFileSync(config, JSON.stringify({ mode: 'async', async: { bufferSize: 2, maxConcurrency: 2 } }));
    const flags = ['--clients', '3', '--clients-per-round', '3', '--rounds', '2', '--samples-per-client', '50'];
    // Execute
    const r = await runFedsift(['simulate', '--config', config, ...flags, '--local-epochs', '1', '--iid']);
    // Assert
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /3 virtual clients \(2 training at once\), 2 versions of fedavg, asynchronous \(bufferSize 2, maxStaleness 4, staleness sqrt\), model mlp/,
    );
    assert.match(r.stdout, /^2\/2 +/m);
  });
});
