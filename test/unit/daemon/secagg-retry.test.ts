import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deltaForAttempt, secAggRetryKey, type SecAggRetryMemo } from '../../../client-node/daemon/secagg-retry.js';
import { testAnnouncement } from '../../helpers/announcements.js';

const clipping = { clippingNorm: 0, equalWeights: false, effectiveExamples: false };

/** A delta as a site trains one: its values tell the trainings apart. */
const trainedDelta = (value: number) => ({
  fit: { weights: { specs: [], values: new Float32Array(0) }, numExamples: 10, metrics: {} },
  update: new Float32Array([value, -value]),
  numExamples: 10,
});

describe('a SecAgg+ retry sends the delta of the failed attempt again', () => {
  it('trains once for two attempts of a round on the same model, and again for another round or model', async () => {
    // Prepare
    const memo: { last?: SecAggRetryMemo } = {};
    let trainings = 0;
    const train = () => Promise.resolve(trainedDelta(++trainings));
    const attempt = (o: Parameters<typeof testAnnouncement>[0]) =>
      secAggRetryKey(testAnnouncement({ modelSha256: 'aa', ...o }), clipping, 1000);
    // Execute
    const first = await deltaForAttempt(memo, attempt({ attempt: 1 }), train);
    const retry = await deltaForAttempt(memo, attempt({ attempt: 2 }), train);
    const nextRound = await deltaForAttempt(memo, attempt({ round: 2 }), train);
    const otherModel = await deltaForAttempt(memo, attempt({ round: 2, modelSha256: 'bb' }), train);
    // Assert
    assert.deepEqual([first.reused, retry.reused, nextRound.reused, otherModel.reused], [false, true, false, false]);
    assert.equal(retry.delta!.update, first.delta!.update, 'the same delta, not a second training');
    assert.deepEqual([...otherModel.delta!.update], [3, -3]);
    assert.equal(trainings, 3);
  });

  it('keeps nothing without an announced model hash, or when the site did not train', async () => {
    // Prepare
    const memo: { last?: SecAggRetryMemo } = {};
    let trainings = 0;
    const noHash = secAggRetryKey(testAnnouncement({ modelSha256: '' }), clipping, 1000);
    const key = secAggRetryKey(testAnnouncement({ modelSha256: 'aa' }), clipping, 1000);
    // Execute
    await deltaForAttempt(memo, noHash, () => Promise.resolve(trainedDelta(++trainings)));
    await deltaForAttempt(memo, noHash, () => Promise.resolve(trainedDelta(++trainings)));
    const skipped = await deltaForAttempt(memo, key, () => Promise.resolve(undefined));
    const after = await deltaForAttempt(memo, key, () => Promise.resolve(trainedDelta(++trainings)));
    // Assert
    assert.equal(noHash, undefined);
    assert.equal(trainings, 3);
    assert.deepEqual([skipped.delta, skipped.reused, after.reused], [undefined, false, false]);
  });

  it('keys on what the site does to its delta: local DP, clipping and maxWeight', () => {
    const a = testAnnouncement({ modelSha256: 'aa' });
    const keys = [
      secAggRetryKey(a, clipping, 1000),
      secAggRetryKey(a, { ...clipping, clippingNorm: 1 }, 1000),
      secAggRetryKey(a, clipping, 500),
      secAggRetryKey(
        { ...a, fit: { ...a.fit, localPrivacy: { noiseMultiplier: 1, clippingNorm: 1 } } },
        clipping,
        1000,
      ),
    ];
    assert.equal(new Set(keys).size, 4);
  });
});
