import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, SecAggProtocolError } from '../../../shared/errors/index.js';
import {
  checkRoundParams,
  resolveRoundParams,
  SECAGG_DEFAULTS,
  validateSecAggSettings,
} from '../../../shared/secagg/index.js';
import { fedsiftError } from '../../helpers/fedsift-errors.js';

describe('SecAgg+ settings', () => {
  it("fills in Flower's defaults", () => {
    const p = validateSecAggSettings({ numShares: 5, reconstructionThreshold: 3 });
    assert.deepEqual(p, { ...SECAGG_DEFAULTS, numShares: 5, reconstructionThreshold: 3 });
    assert.deepEqual(SECAGG_DEFAULTS, {
      maxWeight: 1000,
      clippingRange: 8,
      quantizationRange: 2 ** 22,
      modulus: 2 ** 32,
    });
    assert.ok(Object.isFrozen(p));
  });

  it('reports every bad field at once, each with its path, and names the first', () => {
    const bad = {
      numShares: 2,
      reconstructionThreshold: 1.5,
      maxWeight: 0,
      clippingRange: 0.5,
      quantizationRange: 2 ** 20,
      modulus: 3_000_000,
    };
    assert.throws(
      () => validateSecAggSettings(bad, 'run.secagg'),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.equal(err.field, 'run.secagg.numShares');
        for (const f of ['numShares', 'reconstructionThreshold', 'maxWeight', 'clippingRange', 'modulus'])
          assert.match(err.message, new RegExp(`run\\.secagg\\.${f}: `));
        return true;
      },
    );
  });

  it('refuses a count threshold not below a count numShares, a modulus above 2^32, quantizationRange ≥ modulus', () => {
    const v = (s: object) => () => validateSecAggSettings({ numShares: 5, reconstructionThreshold: 3, ...s });
    assert.throws(
      v({ reconstructionThreshold: 5 }),
      fedsiftError(ConfigError, /reconstructionThreshold: must be < numShares/),
    );
    assert.throws(v({ modulus: 2 ** 33 }), fedsiftError(ConfigError, /modulus: must be a power of two/));
    assert.throws(
      v({ modulus: 2 ** 16, quantizationRange: 2 ** 16 }),
      fedsiftError(ConfigError, /quantizationRange: must be < modulus/),
    );
    assert.throws(v({ numShares: 256 }), fedsiftError(ConfigError, /numShares: must be ≤ 255/));
  });
});

describe('SecAgg+ parameters of a round', () => {
  const settings = (numShares: number, reconstructionThreshold: number) =>
    validateSecAggSettings({ numShares, reconstructionThreshold });

  it('resolves fractions as Flower does: round(f·n), made odd below n, n when ≤ 2; threshold max(2, round(f·k))', () => {
    assert.deepEqual(pick(resolveRoundParams(settings(0.5, 0.6), 20)), [11, 7]);
    assert.deepEqual(pick(resolveRoundParams(settings(0.5, 0.6), 21)), [11, 7]);
    assert.deepEqual(pick(resolveRoundParams(settings(1, 1), 7)), [7, 7]);
    assert.deepEqual(pick(resolveRoundParams(settings(1, 0.7), 6)), [6, 4], 'round(4.2) = 4');
    assert.deepEqual(pick(resolveRoundParams(settings(6, 3), 10)), [7, 3]);
    assert.deepEqual(pick(resolveRoundParams(settings(9, 3), 5)), [5, 3]);
  });

  it('raises a fractional threshold of half the shares or fewer to a majority of them (⌊k/2⌋ + 1)', () => {
    assert.deepEqual(pick(resolveRoundParams(settings(0.1, 0.1), 10)), [10, 6]);
    assert.deepEqual(pick(resolveRoundParams(settings(1, 0.5), 5)), [5, 3], 'round(2.5) = 2, raised to 3');
    assert.deepEqual(pick(resolveRoundParams(settings(1, 0.5), 4)), [4, 3]);
    assert.deepEqual(pick(resolveRoundParams(settings(0.5, 0.6), 3)), [3, 2]);
  });

  it('has a client refuse a threshold of half the shares or fewer, and take a majority', () => {
    const p = resolveRoundParams(settings(1, 0.6), 6); // numShares 6, threshold 4
    assert.throws(
      () => checkRoundParams({ ...p, threshold: 3 }, 6),
      fedsiftError(SecAggProtocolError, /threshold 3 is at most half of numShares 6/),
    );
    assert.doesNotThrow(() => checkRoundParams(p, 6));
    assert.doesNotThrow(() => checkRoundParams({ ...p, numShares: 5, threshold: 3 }, 6));
  });

  it('refuses a round too small for the threshold, or so large that the sum would wrap around the modulus', () => {
    assert.throws(
      () => resolveRoundParams(settings(5, 4), 3),
      fedsiftError(ConfigError, /reconstructionThreshold: 4 exceeds the 3 shares/),
    );
    const wide = validateSecAggSettings({ numShares: 5, reconstructionThreshold: 3, quantizationRange: 2 ** 30 });
    assert.throws(() => resolveRoundParams(wide, 5), fedsiftError(ConfigError, /would wrap around modulus/));
    assert.throws(() => resolveRoundParams(settings(5, 3), 1), fedsiftError(ConfigError, /at least 2 clients/));
  });
});

function pick(p: { numShares: number; threshold: number }): [number, number] {
  return [p.numShares, p.threshold];
}
