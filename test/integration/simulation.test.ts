import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { simulate, type SimulationOptions, type SimulationResult } from '../../coordinator/lab/simulation/index.js';
import { ConfigError, QuorumNotMetError } from '../../shared/errors/index.js';
import { runFedsift } from '../helpers/client-processes.js';

/** 20 virtual clients on 200 digits each, 10 per round, one local epoch: a few seconds per run on 2 cores (wasm). */
const SMALL: SimulationOptions = {
  clients: 20,
  samplesPerClient: 200,
  run: { rounds: 3, clientsPerRound: 10, minClients: 10, model: 'mlp', localEpochs: 1, seed: 7 },
};

const fingerprint = (r: SimulationResult) => ({
  sha: r.finalModelSha256,
  acc: r.rounds.map((x) => x.testAccuracy),
  loss: r.rounds.map((x) => x.trainLoss),
});

const isConfigError = (fragment: RegExp, field: string) => (e: unknown) =>
  e instanceof ConfigError && e.code === 'FS_ERR_CONFIG' && e.field === field && fragment.test(e.message);

describe('simulation mode', () => {
  let first: SimulationResult;

  it('trains 20 virtual MLP clients for 3 rounds in one process and beats the initial model on the test digits', async () => {
    // Execute
    first = await simulate(SMALL);
    // Assert
    assert.equal(first.rounds.length, 3);
    assert.ok(
      first.rounds.every((r) => r.selected === 10 && r.responded === 10 && r.failures.length === 0),
      JSON.stringify(first.rounds.map((r) => r.failures)),
    );
    assert.ok(first.rounds.every((r) => Number.isFinite(r.trainLoss) && Number.isFinite(r.federatedAccuracy)));
    assert.equal(first.examplesPerClient.max, 200);
    assert.equal(first.initial.numExamples, 2000);
    assert.ok(
      first.finalTestAccuracy > first.initial.accuracy + 0.4,
      `accuracy ${first.initial.accuracy} → ${first.finalTestAccuracy}`,
    );
    assert.ok(
      first.rounds[2]!.testLoss < first.rounds[0]!.testLoss,
      `test loss ${first.rounds.map((r) => r.testLoss)}`,
    );
  });

  it('gives the identical model and metrics for the same seed, and another model for another seed', async () => {
    // Execute
    const again = await simulate(SMALL);
    const other = await simulate({ ...SMALL, run: { ...SMALL.run, rounds: 1, seed: 8 } });
    // Assert
    assert.deepEqual(fingerprint(again), fingerprint(first));
    assert.notEqual(other.finalModelSha256, first.finalModelSha256);
  });

  it("takes the daemon's weighting path on noisy clients: weighting statistics from startRound on, none before", async () => {
    // Prepare: confident learning from round 2 under 40% symmetric noise on half the clients
    const options: SimulationOptions = {
      clients: 10,
      samplesPerClient: 200,
      partition: { kind: 'iid' },
      labelNoise: 'symmetric:0.4',
      noisyClients: 5,
      run: {
        rounds: 2,
        clientsPerRound: 10,
        minClients: 10,
        model: 'mlp',
        localEpochs: 1,
        strategy: 'fedavg-effective',
        weighting: { noisyLabels: 'confident-learning', startRound: 2 },
      },
    };
    // Execute
    const r = await simulate(options);
    // Assert
    const [plain, weighted] = [r.rounds[0]!.clientMetrics, r.rounds[1]!.clientMetrics];
    assert.equal(r.noisyClients, 5);
    assert.equal(plain.effective_examples, undefined);
    assert.ok(weighted.weighting_ms! > 0 && weighted.label_issues_flagged! > 0, JSON.stringify(weighted));
    assert.ok(weighted.effective_examples! < 200 && weighted.downweighted_ratio! > 0.1, JSON.stringify(weighted));
  });

  it("runs the coordinator's other strategies by name, robust ones included", async () => {
    for (const strategy of ['fedprox', 'fedadam', 'fedmedian']) {
      const r = await simulate({
        clients: 6,
        samplesPerClient: 100,
        run: { rounds: 1, clientsPerRound: 6, minClients: 6, model: 'mlp', localEpochs: 1, strategy },
      });
      assert.equal(r.config.strategy.name, strategy);
      assert.equal(r.rounds[0]!.responded, 6, `${strategy}: ${JSON.stringify(r.rounds[0]!.failures)}`);
      assert.ok(Number.isFinite(r.finalTestAccuracy), strategy);
    }
  });

  it("applies the coordinator's update checks: with a tiny maxUpdateNorm every update is refused and the round misses quorum", async () => {
    const run = { ...SMALL.run, rounds: 1, maxUpdateNorm: 1e-6 };
    await assert.rejects(
      simulate({ ...SMALL, run }),
      (e: unknown) =>
        e instanceof QuorumNotMetError &&
        /fewer than 10 updates in 1 attempt \(0 accepted; last attempt: sim-\d+: update norm .* exceeds the run's maxUpdateNorm 0\.000001.*; … and 5 more\)/.test(
          e.message,
        ),
    );
  });

  it('refuses bad options with a ConfigError naming the option and its flag, before loading anything', async () => {
    await assert.rejects(
      simulate({ ...SMALL, run: { ...SMALL.run, clientsPerRound: 30, minClients: 2 } }),
      isConfigError(
        /clientsPerRound \(--clients-per-round\): must be ≤ the number of virtual clients \(20\), got 30/,
        'clientsPerRound',
      ),
    );
    await assert.rejects(
      simulate({ ...SMALL, clients: 0 }),
      isConfigError(/\(--clients\): must be an integer ≥ 1/, 'clients'),
    );
    await assert.rejects(
      simulate({ ...SMALL, labelNoise: 'flip:0.4' }),
      isConfigError(/\(--label-noise\): expected symmetric:R or pair:R/, 'labelNoise'),
    );
    await assert.rejects(
      simulate({ ...SMALL, labelNoise: 'pair:0.2', noisyClients: 21 }),
      isConfigError(/^--noisy-clients: a count must be in \[1, 20\]/, 'noisyClients'),
    );
    await assert.rejects(
      simulate({ ...SMALL, labelNoise: 'pair:0.2', noisyClients: [3, 20] }),
      isConfigError(/^--noisy-clients: client indices must be in \[0, 19\] .*got 20$/, 'noisyClients'),
    );
    await assert.rejects(
      simulate({ ...SMALL, partition: { kind: 'dirichlet', alpha: 0 } }),
      isConfigError(/\(--alpha\): must be a finite number > 0/, 'partition.alpha'),
    );
    await assert.rejects(
      simulate({ ...SMALL, run: { ...SMALL.run, strategy: 'fedbogus' } }),
      isConfigError(/invalid run config:\n\s+strategy.name: /, 'strategy.name'),
    );
    await assert.rejects(
      simulate({ ...SMALL, run: { ...SMALL.run, secureAggregation: { numShares: 5, reconstructionThreshold: 3 } } }),
      isConfigError(
        /run\.secureAggregation \(--config\): the in-process virtual clients do not speak SecAgg\+/,
        'run.secureAggregation',
      ),
    );
    await assert.rejects(
      simulate({ ...SMALL, noisyClients: 3 }),
      isConfigError(/\(--noisy-clients\): needs --label-noise/, 'noisyClients'),
    );
    await assert.rejects(
      simulate({ ...SMALL, reportDir: '/tmp/unused' }),
      isConfigError(/\(--report-dir\): reports come from weighted rounds/, 'reportDir'),
    );
  });
});

describe('fedsift simulate (CLI)', () => {
  it('prints the backend, a line per round and a summary, and writes one CSV row per round', async () => {
    // Prepare
    const out = join(mkdtempSync(join(tmpdir(), 'fedsift-sim-')), 'rounds.csv');
    // Execute
    const r = await runFedsift([
      'simulate',
      '--clients',
      '4',
      '--clients-per-round',
      '2',
      '--rounds',
      '2',
      '--samples-per-client',
      '50',
      '--local-epochs',
      '1',
      '--iid',
      '--out',
      out,
    ]);
    // Assert
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /4 virtual clients \(2 per round\), 2 rounds of fedavg, model mlp, IID, 50–50 digits per client.*tfjs backend (wasm|tensorflow|cpu)/,
    );
    assert.match(r.stdout, /^2\/2 +2\/2 /m);
    assert.match(r.stdout, /final test accuracy \d+\.\d\d% \(initial/);
    const rows = readFileSync(out, 'utf8').trim().split('\n');
    assert.equal(rows.length, 3);
    assert.match(rows[0]!, /^round,selected,responded,failed,train_loss,test_loss,test_accuracy/);
  });

  it('exits 2 naming the flag for bad values, malformed numbers and unknown weighting variants', async () => {
    const cases: [string[], RegExp][] = [
      [['--clients', '3', '--clients-per-round', '5'], /--clients-per-round/],
      [['--clients', '1.5'], /--clients.*expected an integer/],
      [['--weighting', 'cl-bogus'], /--weighting "cl-bogus": expected a variant/],
      [['--iid', '--alpha', '0.3'], /--iid.*cannot be used with.*--alpha/],
      [['--out', '/etc/passwd/results.csv'], /--out: cannot write to \/etc\/passwd/],
      [['--out', '/tmp'], /--out: \/tmp is a folder/],
    ];
    for (const [args, message] of cases) {
      const r = await runFedsift(['simulate', ...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(' '));
    }
  });
});
