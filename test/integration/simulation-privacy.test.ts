import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { simulate, writeSimulationResult, type SimulationOptions } from '../../coordinator/lab/simulation/index.js';
import { RdpAccountant } from '../../shared/privacy/index.js';

/** 10 virtual clients on 100 digits each, 5 per round, 2 rounds of the MLP: seconds on 2 cores (wasm). */
const SMALL: SimulationOptions = {
  clients: 10,
  samplesPerClient: 100,
  run: { rounds: 2, clientsPerRound: 5, minClients: 5, model: 'mlp', localEpochs: 1, seed: 3 },
};

describe('differential privacy through the simulation (real tfjs clients, the daemon encoder)', () => {
  it('central DP plumbing at near-zero noise (σ = 0.01, no useful ε): learns, reports ε at q = 5/10 each round, writes dp_epsilon to the CSV', async () => {
    // Prepare: σ = 0.01 is no real privacy setting; this checks the wiring (clipping, accounting, results), not utility.
    const dp = { noiseMultiplier: 0.01, adaptiveClipping: { initialClippingNorm: 5 } };
    const out = join(mkdtempSync(join(tmpdir(), 'fedsift-dp-sim-')), 'rounds.csv');

    // Execute
    const result = await simulate({ ...SMALL, run: { ...SMALL.run, differentialPrivacy: dp } });
    writeSimulationResult(out, result);

    // Assert
    const accountant = new RdpAccountant();
    const expected = result.rounds.map(() => (accountant.step(0.01, 0.5), accountant.epsilon(1e-5).epsilon));
    assert.deepEqual(
      result.rounds.map((r) => r.dpEpsilon),
      expected,
    );
    assert.ok(
      result.finalTestAccuracy > result.initial.accuracy + 0.15,
      `${result.initial.accuracy} → ${result.finalTestAccuracy}`,
    );
    const [header, first] = readFileSync(out, 'utf8').split('\n');
    const column = header!.split(',').indexOf('dp_epsilon');
    assert.ok(column >= 0, header);
    assert.equal(Number(first!.split(',')[column]), expected[0]);
  });

  it('local DP: the clients noise their own updates (another model than without DP, same seed), ε per site', async () => {
    // Prepare
    const dp = { mode: 'local', noiseMultiplier: 0.01, clippingNorm: 5 };

    // Execute
    const plain = await simulate({ ...SMALL, run: { ...SMALL.run, rounds: 1 } });
    const plainAgain = await simulate({ ...SMALL, run: { ...SMALL.run, rounds: 1 } });
    const noisy = await simulate({ ...SMALL, run: { ...SMALL.run, rounds: 1, differentialPrivacy: dp } });

    // Assert: two plain runs give the same model, so the difference is the clients' noise (not run-to-run jitter).
    assert.equal(plainAgain.finalModelSha256, plain.finalModelSha256);
    assert.notEqual(noisy.finalModelSha256, plain.finalModelSha256);
    const accountant = new RdpAccountant();
    accountant.step(0.005, 1);
    assert.equal(noisy.rounds[0]!.dpEpsilon, accountant.epsilon(1e-5).epsilon);
  });
});
