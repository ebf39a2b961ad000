import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRunConfig } from '../../../coordinator/config/index.js';
import { SecAggRounds } from '../../../coordinator/secagg/index.js';
import { ConfigError, QuorumNotMetError } from '../../../shared/errors/index.js';
import { createLogger } from '../../../shared/logging/index.js';
import { fedsiftError } from '../../helpers/fedsift-errors.js';

const refused = (fragment: RegExp) => fedsiftError(ConfigError, fragment);
const SECAGG = { numShares: 5, reconstructionThreshold: 3 };

describe('run config: secureAggregation', () => {
  it('is null by default, and fills the stage deadlines (20 s, 20 s, 30 s) when given', () => {
    assert.equal(parseRunConfig({}).secureAggregation, null);
    assert.deepEqual(parseRunConfig({ minAvailableClients: 10, secureAggregation: SECAGG }).secureAggregation, {
      ...SECAGG,
      advertiseKeysTimeoutMs: 20_000,
      shareKeysTimeoutMs: 20_000,
      unmaskTimeoutMs: 30_000,
    });
  });

  it('validates the SecAgg+ settings under their path', () => {
    assert.throws(
      () => parseRunConfig({ minAvailableClients: 10, secureAggregation: { ...SECAGG, modulus: 1000 } }),
      refused(/secureAggregation\.modulus: must be a power of two/),
    );
    assert.throws(
      () => parseRunConfig({ minAvailableClients: 10, secureAggregation: { ...SECAGG, reconstructionThreshold: 5 } }),
      refused(/secureAggregation\.reconstructionThreshold: must be < numShares \(5\)/),
    );
    assert.throws(
      () => parseRunConfig({ minAvailableClients: 10, secureAggregation: { ...SECAGG, unmaskTimeoutMs: 10 } }),
      refused(/secureAggregation\.unmaskTimeoutMs/),
    );
  });

  it('refuses settings a round of clientsPerRound clients cannot run, naming the field', () => {
    assert.throws(
      () => parseRunConfig({ clientsPerRound: 1, minClients: 1, secureAggregation: SECAGG }),
      refused(/clientsPerRound: SecAgg\+ needs at least 2 clients in a round, got 1 \(with 1 clients selected/),
    );
    const wraps = { ...SECAGG, quantizationRange: 2 ** 30 };
    assert.throws(
      () => parseRunConfig({ minAvailableClients: 10, secureAggregation: wraps }),
      refused(/secureAggregation\.modulus: 10 clients/),
    );
  });

  it('refuses settings that some selection the run can make cannot run, naming the fields', () => {
    // Fractions resolve per selection, and a fractional threshold is raised to a majority (resolveRoundParams):
    // numShares 1.0 / threshold 0.51 runs with any selection from 3 to 9 clients (4 give k 4, t 3).
    const majority = { numShares: 1.0, reconstructionThreshold: 0.51 };
    assert.equal(parseRunConfig({ clientsPerRound: 9, minClients: 3, secureAggregation: majority }).clientsPerRound, 9);
    // A count threshold stays as written: 5 of numShares 9 runs with 9 clients, not with 3 or 4.
    assert.throws(
      () =>
        parseRunConfig({
          clientsPerRound: 9,
          minClients: 3,
          secureAggregation: { numShares: 9, reconstructionThreshold: 5 },
        }),
      refused(
        /secureAggregation\.reconstructionThreshold: 5 exceeds the 3 shares a round of 3 clients allows \(with 3 clients selected; an attempt selects from min\(minAvailableClients, clientsPerRound\) = 3 to clientsPerRound = 9/,
      ),
    );
    assert.throws(
      () => parseRunConfig({ clientsPerRound: 5, minClients: 2, secureAggregation: SECAGG }),
      refused(
        /secureAggregation\.reconstructionThreshold: 3 exceeds the 2 shares a round of 2 clients allows \(with 2 clients selected/,
      ),
    );
    const ok = parseRunConfig({ clientsPerRound: 5, minClients: 2, minAvailableClients: 5, secureAggregation: SECAGG });
    assert.equal(ok.minAvailableClients, 5);
  });

  it('refuses stage 1 and 2 deadlines that reach the shortest attempt deadline, naming the fields', () => {
    const slow = { ...SECAGG, advertiseKeysTimeoutMs: 30_000, shareKeysTimeoutMs: 30_000 };
    assert.throws(
      () => parseRunConfig({ minAvailableClients: 10, secureAggregation: slow, roundDeadlineMs: 60_000 }),
      refused(/shareKeysTimeoutMs \(30000 \+ 30000 ms\) must be below roundDeadlineMs \(60000 ms\)/),
    );
    assert.throws(
      () => parseRunConfig({ minAvailableClients: 10, secureAggregation: SECAGG, adaptiveDeadline: { minMs: 30_000 } }),
      refused(/\(20000 \+ 20000 ms\) must be below adaptiveDeadline\.minMs \(30000 ms\)/),
    );
    assert.ok(
      parseRunConfig({ minAvailableClients: 10, secureAggregation: slow, roundDeadlineMs: 60_001 }).secureAggregation,
    );
  });

  it('fails an attempt whose selection cannot run SecAgg+ as a quorum miss, naming the reason', () => {
    const config = parseRunConfig({
      clientsPerRound: 5,
      minClients: 2,
      minAvailableClients: 5,
      secureAggregation: SECAGG,
    });
    const rounds = SecAggRounds.forRun('r', config, createLogger({ name: 'test', level: 'silent' }))!;
    assert.equal(rounds.refuseSelection({ round: 1, attempt: 1 }, 5), undefined);
    const reason = rounds.refuseSelection({ round: 1, attempt: 2 }, 2);
    assert.match(
      reason!,
      /reconstructionThreshold: 3 exceeds the 2 shares a round of 2 clients allows \(2 clients selected\)/,
    );
    assert.ok(rounds.failure instanceof QuorumNotMetError);
    assert.match(rounds.failure.message, /^SecAgg\+ round 1 attempt 2 of run r cannot run: .*; no client was asked$/);
  });

  it('refuses a threshold of at most half the shares, naming both fields', () => {
    assert.throws(
      () =>
        parseRunConfig({ minAvailableClients: 10, secureAggregation: { numShares: 7, reconstructionThreshold: 3 } }),
      refused(/secureAggregation\.reconstructionThreshold 3 must exceed half of numShares 7/),
    );
    const ok = parseRunConfig({
      minAvailableClients: 10,
      secureAggregation: { numShares: 7, reconstructionThreshold: 4 },
    });
    assert.equal(ok.secureAggregation!.reconstructionThreshold, 4);
  });

  for (const [name, run, fragment] of [
    [
      'a robust strategy',
      { strategy: { name: 'krum' }, minClients: 5 },
      /strategy\.name: strategy "krum" cannot be combined with secureAggregation/,
    ],
    [
      'an update codec',
      { updateCodec: 'int8' },
      /updateCodec: updateCodec "int8" cannot be combined with secureAggregation/,
    ],
    ['maxUpdateNorm', { maxUpdateNorm: 5 }, /maxUpdateNorm: maxUpdateNorm cannot be combined with secureAggregation/],
    [
      'central DP with adaptive clipping',
      { differentialPrivacy: { noiseMultiplier: 0.1, adaptiveClipping: {} } },
      /differentialPrivacy\.adaptiveClipping: differentialPrivacy\.adaptiveClipping cannot be combined with secureAggregation/,
    ],
  ] as const)
    it(`refuses ${name} with it, naming both fields`, () => {
      assert.throws(() => parseRunConfig({ ...run, secureAggregation: SECAGG }), refused(fragment));
      assert.doesNotThrow(() => parseRunConfig(run), 'accepted without secureAggregation');
    });

  it('accepts local DP (sites noise, then mask) and central DP with fixed clipping with it', () => {
    for (const mode of ['local', 'central'] as const) {
      const differentialPrivacy = { mode, noiseMultiplier: 1, clippingNorm: 1 };
      const c = parseRunConfig({ differentialPrivacy, minAvailableClients: 10, secureAggregation: SECAGG });
      assert.equal(c.differentialPrivacy!.mode, mode);
    }
  });
});

describe('SecAggRounds: what an attempt tells its clients (FitConfig.secureAggregation)', () => {
  const logger = createLogger({ name: 'test', level: 'silent' });
  const wireOf = (run: Record<string, unknown>) => {
    const config = parseRunConfig({ clientsPerRound: 5, minClients: 5, secureAggregation: SECAGG, ...run });
    const rounds = SecAggRounds.forRun('r1', config, logger)!;
    const attempt = rounds.open({ round: 1, attempt: 1, clientIds: ['a', 'b', 'c', 'd', 'e'] }, 10);
    attempt.stop('test over');
    return attempt.wire;
  };

  it('weighs by example counts, by effective counts under fedavg-effective, and alike, clipped, under central DP', () => {
    // Execute
    const plain = wireOf({});
    const effective = wireOf({ strategy: 'fedavg-effective' });
    const dp = wireOf({ differentialPrivacy: { noiseMultiplier: 1, clippingNorm: 0.5 } });
    // Assert
    assert.deepEqual(
      [plain.effectiveExamples, plain.equalWeights, plain.clippingNorm, plain.numShares, plain.vectorLength],
      [false, false, 0, 5, 10],
    );
    assert.equal(effective.effectiveExamples, true);
    assert.deepEqual([dp.equalWeights, dp.clippingNorm, dp.effectiveExamples], [true, 0.5, false]);
  });
});
