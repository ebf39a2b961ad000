import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  addModInPlace,
  decodeWeightedSum,
  maskedVectorToBytes,
  encodeWeightedInput,
  quantizationStep,
  quantizedWeight,
  resolveRoundParams,
  SecAggConsistencyError,
  SecAggProtocolError,
  SecAggThresholdError,
  ShareDecryptionError,
  validateSecAggSettings,
  weightRatio,
  type SecAggResult,
} from '../../../shared/secagg/index.js';
import { RoundClosedError } from '../../../shared/errors/index.js';
import { fedsiftError } from '../../helpers/fedsift-errors.js';
import {
  prepareSecAggRound,
  runSecAggRound,
  type SecAggRound,
  type SecAggRoundSpec,
} from '../../helpers/secagg-round.js';

const settings = { numShares: 7, reconstructionThreshold: 4 };
const spec = (extra: Partial<SecAggRoundSpec> = {}): SecAggRoundSpec => ({
  numClients: 10,
  vectorLength: 1000,
  settings,
  seed: 11,
  ...extra,
});
const params = resolveRoundParams(validateSecAggSettings(settings), 10);

/** The plaintext the survivors would have summed: their encoded inputs (same rounding draws), summed mod M, decoded. */
function plaintextAggregate(round: SecAggRound, survivors: readonly string[]) {
  const sum = new Uint32Array(round.updates[0]!.length + 1);
  let weighted = new Float64Array(sum.length - 1);
  let total = 0;
  for (const id of survivors) {
    const i = round.ids.indexOf(id);
    const encoded = encodeWeightedInput(round.updates[i]!, round.numExamples[i]!, params, round.roundingSeed(i));
    addModInPlace(sum, encoded, params.modulus);
    const w = quantizedWeight(weightRatio(round.numExamples[i]!, params.maxWeight), params).weight;
    total += w;
    weighted = weighted.map((acc, j) => acc + w * round.updates[i]![j]!);
  }
  return { exact: decodeWeightedSum(sum, survivors.length, params), mean: weighted.map((x) => x / total), total };
}

function assertExact(result: SecAggResult, round: SecAggRound): void {
  const { exact, mean, total } = plaintextAggregate(round, result.survivors);
  assert.deepEqual(result.weightedMean, exact.weightedMean, 'unmasked sum ≠ plaintext quantised sum');
  assert.equal(result.totalWeight, exact.totalWeight);
  const bound = (result.survivors.length * quantizationStep(params.clippingRange, params.quantizationRange)) / total;
  const worst = Math.max(...result.weightedMean.map((x, j) => Math.abs(x - mean[j]!)));
  assert.ok(worst <= bound + 1e-6, `weighted mean off by ${worst} > bound ${bound}`);
}

describe('SecAgg+ round in memory (10 clients, 1,000 values)', () => {
  it('returns the weighted mean within the quantisation bound when no client drops', async () => {
    // Prepare
    const round = prepareSecAggRound(spec());
    // Execute
    const result = await runSecAggRound(spec(), round);
    // Assert
    assert.equal(result.survivors.length, 10);
    assert.deepEqual([result.dropped, result.absent], [[], []]);
    assertExact(result, round);
  });

  it('gives the same exact sum when clients build their masks block by block before their update is known', async () => {
    // Prepare: 40,000 values are three mask blocks; clients 0–4 run every step of their mask ahead of the update
    const s = spec({ vectorLength: 40_000 });
    const ahead = { ...s, maskAhead: [0, 1, 2, 3, 4] };
    const round = prepareSecAggRound(ahead);
    // Execute
    const [result, oneGo] = [await runSecAggRound(ahead, round), await runSecAggRound(s)];
    // Assert
    assertExact(result, round);
    assert.deepEqual(result.weightedMean, oneGo.weightedMean, 'the same seeds mask alike whenever the steps run');
  });

  for (const stage of ['shares', 'masked', 'unmask'] as const) {
    for (const drops of [[4], [0, 5], [1, 2, 8]]) {
      it(`stays exact over the survivors when ${drops.length} client(s) vanish before stage '${stage}'`, async () => {
        const s = spec({ dropBefore: { [stage]: drops }, seed: 20 + drops.length });
        const round = prepareSecAggRound(s);
        const result = await runSecAggRound(s, round);
        const vanished = drops.map((i) => round.ids[i]!);
        if (stage === 'unmask') assert.equal(result.survivors.length, 10);
        else assert.deepEqual([...result.survivors, ...vanished].sort(), [...round.ids]);
        assert.deepEqual(stage === 'masked' ? result.dropped : result.absent, stage === 'unmask' ? [] : vanished);
        assertExact(result, round);
      });
    }
  }

  it('aggregates 4 of 5 clients (numShares 5, threshold 3) when one dies after sharing keys, fails when three do', async () => {
    const small = { numClients: 5, vectorLength: 200, settings: { numShares: 5, reconstructionThreshold: 3 }, seed: 9 };
    const result = await runSecAggRound({ ...small, dropBefore: { masked: [2] } });
    assert.deepEqual([result.survivors.length, result.dropped], [4, ['site-02']]);
    await assert.rejects(
      runSecAggRound({ ...small, dropBefore: { masked: [0, 2, 4] } }),
      fedsiftError(SecAggThresholdError, /2 clients sent masked input, threshold 3/),
    );
  });

  it('also survives a client that vanishes before advertising keys', async () => {
    const s = spec({ dropBefore: { keys: [3] } });
    const round = prepareSecAggRound(s);
    const result = await runSecAggRound(s, round);
    assert.deepEqual(result.absent, [round.ids[3]]);
    assertExact(result, round);
  });

  it('fails with the reason, before any secret is revealed, when too many clients vanish', async () => {
    const s = spec({ dropBefore: { masked: [0, 1, 2, 3, 4, 5, 6] } });
    const round = prepareSecAggRound(s);
    await assert.rejects(
      runSecAggRound(s, round),
      fedsiftError(SecAggThresholdError, /3 clients sent masked input, threshold 4/),
    );
    assert.equal(round.server.currentStage, 'failed');
    assert.throws(() => round.server.closeMaskedInputs(), RoundClosedError);
  });

  it('fails naming the client whose secret lacks shares when survivors do not answer the unmasking', async () => {
    const s = spec({ dropBefore: { unmask: [0, 1, 2, 3, 4, 5] } });
    await assert.rejects(
      runSecAggRound(s),
      fedsiftError(SecAggThresholdError, /shares of site-\d\d's self-mask seed arrived, 4 needed/),
    );
  });

  it('has a client refuse an unmask request that asks for both secrets of one client', async () => {
    let victim = '';
    const s = spec({
      dropBefore: { masked: [6] },
      relayUnmask: (requests) => {
        const [asked, req] = [...requests].find(([, r]) => r.dropped.length > 0)!;
        victim = req.survivors.find((id) => id !== asked)!;
        requests.set(asked, { ...req, dropped: [...req.dropped, victim] });
      },
    });
    await assert.rejects(runSecAggRound(s), (err: unknown) => {
      assert.ok(fedsiftError(SecAggConsistencyError, /listed both as survivor and as dropped/)(err));
      assert.equal((err as SecAggConsistencyError).clientId, victim);
      return true;
    });
  });

  it('has a client refuse an unmask request with fewer survivors than the threshold', async () => {
    const s = spec({
      relayUnmask: (requests) => {
        for (const [id, req] of requests) requests.set(id, { ...req, survivors: req.survivors.slice(0, 3) });
      },
    });
    await assert.rejects(runSecAggRound(s), fedsiftError(SecAggConsistencyError, /3 survivors, threshold 4/));
  });

  it('reports a tampered share with a typed error naming its sender', async () => {
    let sender = '';
    const s = spec({
      relayShares: (requests) => {
        const [to, req] = [...requests][2]!;
        const first = req.shares[0]!;
        sender = first.from;
        const ciphertext = Uint8Array.from(first.ciphertext);
        ciphertext[20]! ^= 1;
        requests.set(to, { ...req, shares: [{ ...first, ciphertext }, ...req.shares.slice(1)] });
      },
    });
    await assert.rejects(runSecAggRound(s), (err: unknown) => {
      assert.ok(fedsiftError(ShareDecryptionError, /fails authentication/)(err));
      assert.equal((err as ShareDecryptionError).clientId, sender);
      return true;
    });
  });
});

describe('what the coordinator receives', () => {
  it("gets one client's masked bytes uniform (χ²) and unrelated between two runs with different updates", async () => {
    // Prepare: two rounds with the same keys and other inputs; only client 0's update differs.
    const s = spec({ vectorLength: 20_000, seed: 5 });
    const bytesOf = async (scale: number) => {
      const round = prepareSecAggRound(s);
      round.updates[0]!.forEach((v, j, u) => (u[j] = v * scale));
      let captured: Uint8Array = new Uint8Array(0);
      const receive = round.server.receiveMaskedInput.bind(round.server);
      round.server.receiveMaskedInput = (msg) => {
        if (msg.clientId === round.ids[0]) captured = maskedVectorToBytes(msg.masked);
        receive(msg);
      };
      await runSecAggRound(s, round);
      return captured;
    };
    // Execute
    const [a, b] = [await bytesOf(1), await bytesOf(-3)];
    // Assert: χ² over 256 byte values, 255 degrees of freedom; 330.5 is the 0.1% critical value.
    for (const bytes of [a, b]) {
      const counts = new Array<number>(256).fill(0);
      bytes.forEach((x) => counts[x]!++);
      const expected = bytes.length / 256;
      const chi2 = counts.reduce((acc, n) => acc + (n - expected) ** 2 / expected, 0);
      assert.ok(chi2 < 330.5, `χ² = ${chi2.toFixed(1)} over ${bytes.length} bytes`);
    }
    assert.equal(a.length, 20_001 * 4);
    assert.ok(
      a.some((x, i) => x !== b[i]),
      'the two runs differ',
    );
  });
});

describe('SecAgg+ server input checks', () => {
  it('rejects a bad client message naming the client, and keeps nothing of it', async () => {
    // Prepare
    const round = prepareSecAggRound(spec({ vectorLength: 10 }));
    const { server, clients } = round;
    const setup = server.setupMessage();
    const ads = clients.map((c) => c.setup(setup));
    // Execute / Assert
    assert.throws(() => server.receiveKeys({ ...ads[0]!, round: 4 }), fedsiftError(SecAggProtocolError, /round 4/));
    assert.throws(
      () => server.receiveKeys({ ...ads[0]!, clientId: 'stranger' }),
      fedsiftError(SecAggProtocolError, /stranger is not expected/),
    );
    assert.throws(
      () => server.receiveKeys({ ...ads[0]!, maskPublicKey: new Uint8Array(31) }),
      (err: unknown) =>
        err instanceof SecAggProtocolError && err.clientId === 'site-00' && err.field === 'maskPublicKey',
    );
    ads.forEach((a) => server.receiveKeys(a));
    assert.throws(() => server.receiveKeys(ads[1]!), fedsiftError(SecAggProtocolError, /site-01 already sent/));
    const shareReqs = server.closeKeys();
    const responses = await Promise.all(clients.map((c) => c.shareKeys(shareReqs.get(c.clientId)!)));
    const short = { ...responses[2]!, shares: responses[2]!.shares.slice(1) };
    assert.throws(() => server.receiveShares(short), fedsiftError(SecAggProtocolError, /shares from site-02 lacks/));
    responses.forEach((r) => server.receiveShares(r));
    const maskReqs = server.closeShares();
    const masked = clients.map((c, i) => {
      c.prepareMask(maskReqs.get(c.clientId)!);
      return c.maskInput(round.updates[i]!, round.numExamples[i]!);
    });
    assert.throws(
      () => server.receiveMaskedInput({ ...masked[3]!, masked: masked[3]!.masked.subarray(1) }),
      fedsiftError(SecAggProtocolError, /masked vector from site-03 must be 11 Uint32 values/),
    );
    masked.forEach((m) => server.receiveMaskedInput(m));
    const unmaskReqs = server.closeMaskedInputs();
    const replies = clients.map((c) => c.unmask(unmaskReqs.get(c.clientId)!));
    assert.throws(
      () => server.receiveUnmask({ ...replies[5]!, seedShares: replies[5]!.seedShares.slice(1) }),
      fedsiftError(SecAggProtocolError, /seedShares from site-05 lacks/),
    );
    replies.forEach((r) => server.receiveUnmask(r));
    const result = await server.finish();
    assert.equal(result.survivors.length, 10);
  });

  it('refuses a masked input after its stage closed, naming the client', async () => {
    const s = spec({ vectorLength: 10, dropBefore: { masked: [9] } });
    const round = prepareSecAggRound(s);
    await runSecAggRound(s, round);
    assert.throws(
      () => round.server.receiveMaskedInput({ clientId: round.ids[9]!, round: 3, masked: new Uint32Array(11) }),
      (err: unknown) => err instanceof RoundClosedError && err.clientId === round.ids[9],
    );
  });

  it('has a client refuse round parameters that would share its secrets below a threshold of 2', () => {
    const round = prepareSecAggRound(spec({ vectorLength: 10 }));
    const setup = round.server.setupMessage();
    const weak = { ...setup, params: { ...setup.params, threshold: 1 } };
    assert.throws(
      () => round.clients[0]!.setup(weak),
      fedsiftError(SecAggProtocolError, /threshold 1 outside \[2, numShares\]/),
    );
    const lying = { ...setup, clientIds: setup.clientIds.slice(1) };
    assert.throws(
      () => round.clients[1]!.setup(lying),
      fedsiftError(SecAggProtocolError, /numClients 10 but 9 clients/),
    );
  });

  it('makes a client answer each stage once and in order', async () => {
    const round = prepareSecAggRound(spec({ vectorLength: 10 }));
    const c = round.clients[0]!;
    assert.throws(
      () => c.unmask({ round: 3, survivors: [], dropped: [] }),
      fedsiftError(SecAggProtocolError, /stage 'new'/),
    );
    c.setup(round.server.setupMessage());
    assert.throws(() => c.setup(round.server.setupMessage()), fedsiftError(SecAggProtocolError, /stage 'advertised'/));
  });
});
