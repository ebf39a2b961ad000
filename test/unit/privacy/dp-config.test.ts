import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseRunConfig } from '../../../coordinator/config/index.js';
import { ConfigError } from '../../../shared/errors/index.js';
import { fedsiftError } from '../../helpers/fedsift-errors.js';

const refused = (fragment: RegExp) => fedsiftError(ConfigError, fragment);

describe('run config: differentialPrivacy', () => {
  it('is null by default', () => {
    assert.equal(parseRunConfig({}).differentialPrivacy, null);
  });

  it('fills Flower-named defaults: delta 1e-5, no target, adaptive clipping 0.1 / 0.5 / 0.2 and σ_b = clientsPerRound/20', () => {
    // Execute
    const dp = parseRunConfig({
      clientsPerRound: 40,
      differentialPrivacy: { noiseMultiplier: 1, adaptiveClipping: {} },
    }).differentialPrivacy!;

    // Assert
    assert.deepEqual(dp, {
      mode: 'central',
      noiseMultiplier: 1,
      delta: 1e-5,
      targetEpsilon: null,
      adaptiveClipping: {
        initialClippingNorm: 0.1,
        targetClippedQuantile: 0.5,
        clipNormLr: 0.2,
        clippedCountStddev: 2,
      },
    });
    const fixed = parseRunConfig({ differentialPrivacy: { noiseMultiplier: 0.5, clippingNorm: 2, targetEpsilon: 3 } });
    assert.deepEqual(fixed.differentialPrivacy, {
      mode: 'central',
      noiseMultiplier: 0.5,
      clippingNorm: 2,
      delta: 1e-5,
      targetEpsilon: 3,
    });
  });

  it('accepts the example config of README "Differential privacy"', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Differential privacy'));
    const json = /```json\n([\s\S]*?)```/.exec(section)![1]!;
    const dp = parseRunConfig(JSON.parse(json)).differentialPrivacy!;
    assert.equal(dp.noiseMultiplier, 1);
    assert.equal(dp.targetEpsilon, 8);
  });

  it('refuses local DP with maxUpdateNorm, naming both fields', () => {
    const dp = { mode: 'local', noiseMultiplier: 1, clippingNorm: 1 };
    assert.throws(
      () => parseRunConfig({ maxUpdateNorm: 10, differentialPrivacy: dp }),
      refused(/maxUpdateNorm.*differentialPrivacy\.mode "local"/),
    );
    assert.equal(parseRunConfig({ differentialPrivacy: dp }).maxUpdateNorm, null, 'local DP alone is accepted');
    assert.equal(
      parseRunConfig({ maxUpdateNorm: 10, differentialPrivacy: { noiseMultiplier: 1, clippingNorm: 1 } }).maxUpdateNorm,
      10,
      'central DP keeps maxUpdateNorm',
    );
  });

  it('refuses both or neither of clippingNorm and adaptiveClipping, naming both fields', () => {
    for (const dp of [{ noiseMultiplier: 1 }, { noiseMultiplier: 1, clippingNorm: 1, adaptiveClipping: {} }]) {
      assert.throws(
        () => parseRunConfig({ differentialPrivacy: dp }),
        refused(/differentialPrivacy\.clippingNorm.*differentialPrivacy\.adaptiveClipping/),
      );
    }
  });

  it('refuses the robust strategies and fedavg-effective, naming strategy and differentialPrivacy', () => {
    for (const name of ['fedmedian', 'fedtrimmedavg', 'krum', 'fedavg-effective']) {
      const err = (() => {
        try {
          parseRunConfig({
            minClients: 10,
            strategy: { name },
            differentialPrivacy: { noiseMultiplier: 1, clippingNorm: 1 },
          });
        } catch (e) {
          return e as ConfigError;
        }
        return assert.fail(`${name} with DP was accepted`);
      })();
      assert.ok(err instanceof ConfigError);
      assert.match(
        err.message,
        new RegExp(`strategy\\.name: strategy "${name}" cannot be combined with differentialPrivacy`),
      );
      assert.equal(err.field, 'strategy.name');
    }
    assert.throws(
      () =>
        parseRunConfig({ strategy: 'fedavg-effective', differentialPrivacy: { noiseMultiplier: 1, clippingNorm: 1 } }),
      refused(/weighs every client equally.*future work/),
    );
  });

  it('accepts every other FedAvg-family strategy', () => {
    for (const name of ['fedavg', 'fedavgm', 'fedprox', 'fedadagrad', 'fedadam', 'fedyogi'])
      assert.equal(
        parseRunConfig({ strategy: { name }, differentialPrivacy: { noiseMultiplier: 1, clippingNorm: 1 } })
          .differentialPrivacy?.clippingNorm,
        1,
      );
  });

  it('refuses σ ≥ 2σ_b for adaptive clipping, naming noiseMultiplier and clippedCountStddev', () => {
    // clientsPerRound 10 → σ_b = 0.5: σ = 1 is the limit.
    assert.throws(
      () => parseRunConfig({ differentialPrivacy: { noiseMultiplier: 1, adaptiveClipping: {} } }),
      refused(
        /differentialPrivacy\.noiseMultiplier 1 must be < 2 × differentialPrivacy\.adaptiveClipping\.clippedCountStddev \(0\.5\)/,
      ),
    );
    const ok = parseRunConfig({
      differentialPrivacy: { noiseMultiplier: 1, adaptiveClipping: { clippedCountStddev: 0.6 } },
    });
    assert.equal(ok.differentialPrivacy?.adaptiveClipping?.clippedCountStddev, 0.6);
  });

  it('names a bad field inside the block and refuses unknown keys', () => {
    assert.throws(
      () => parseRunConfig({ differentialPrivacy: { noiseMultiplier: -1, clippingNorm: 1 } }),
      refused(/differentialPrivacy\.noiseMultiplier/),
    );
    assert.throws(
      () => parseRunConfig({ differentialPrivacy: { noiseMultiplier: 1, clippingNorm: 1, delta: 1 } }),
      refused(/differentialPrivacy\.delta/),
    );
    assert.throws(
      () => parseRunConfig({ differentialPrivacy: { noiseMultiplier: 1, clipping_norm: 1 } }),
      refused(/clipping_norm/),
    );
  });
});
