import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidUpdateError, UpdateNormError } from '../../../shared/errors/index.js';
import { encodeUpdate, float32ToBytes, parseCodecSpec } from '../../../shared/codec/index.js';
import { updateValueCheck, type UpdateValueCheck } from '../../../coordinator/rounds/index.js';

const ctx = { clientId: 'c-1', round: 1 };
/** The check of a float32 (codec none) update of `global`'s length. */
const weightsCheck = (global: Float32Array, bound: number | null) =>
  updateValueCheck({ codec: { kind: 'none' }, nonzeros: global.length }, global, bound, ctx);

describe('UpdateValueCheck', () => {
  it('refuses a NaN in the part of an update that has arrived, before the rest is seen', () => {
    // Prepare: index 5 is NaN; only the first 6 values have arrived (the rest still holds zeros)
    const values = new Float32Array(12);
    values.set([1, 2, 3, 4, 5, NaN]);
    const check = weightsCheck(new Float32Array(12), null);
    // Execute + Check
    check.scan(float32ToBytes(values), 4 * 4);
    assert.throws(
      () => check.scan(float32ToBytes(values), 6 * 4),
      (e: unknown) => e instanceof InvalidUpdateError && /NaN at index 5/.test(e.message),
    );
  });

  it('sums the distance to the global model over the pieces as they arrive, the same as over the whole update', () => {
    // Prepare: ‖values − global‖₂ = ‖(3, 4, 0, 0, 12)‖ = 13
    const global = new Float32Array([1, 1, 1, 1, 1]);
    const values = float32ToBytes(new Float32Array([4, 5, 1, 1, 13]));
    const bounded = (bound: number) => weightsCheck(global, bound);
    // Execute: arrive in pieces of 2, 0 (no new value), 1, and the rest at finish
    const pieces = (check: UpdateValueCheck) => {
      check.scan(values, 2 * 4);
      check.scan(values, 2 * 4 + 3); // a value not complete yet is left for later
      check.scan(values, 3 * 4);
      check.finish(values);
    };
    // Check: 13 passes a bound of 13, fails one of 12.9
    assert.doesNotThrow(() => pieces(bounded(13)));
    assert.throws(
      () => pieces(bounded(12.9)),
      (e: unknown) => e instanceof UpdateNormError && /norm 13\.00/.test(e.message),
    );
    assert.throws(() => bounded(12.9).finish(values), UpdateNormError);
  });

  it('finds a ±Infinity left in the tail that no scan covered', () => {
    const values = float32ToBytes(new Float32Array([1, 2, 3, -Infinity]));
    const check = weightsCheck(new Float32Array(4), null);
    check.scan(values, 3 * 4);
    assert.throws(
      () => check.finish(values),
      (e: unknown) => e instanceof InvalidUpdateError && /-Infinity at index 3/.test(e.message),
    );
  });

  it('measures ‖x − global‖₂ for central DP without a bound, on float32 and on a decoded fp16 delta', () => {
    // Prepare: ‖(3, 4, 0, 0, 12)‖ = 13, exact in fp16 too.
    const global = new Float32Array([1, 1, 1, 1, 1]);
    const w = new Float32Array([4, 5, 1, 1, 13]);
    const fp16 = parseCodecSpec('fp16');
    const encoded = encodeUpdate(fp16, w, global);
    const dense = updateValueCheck({ codec: { kind: 'none' }, nonzeros: 5 }, global, null, ctx, true);
    const delta = updateValueCheck({ codec: fp16, nonzeros: 5 }, global, null, ctx, true);
    const unmeasured = weightsCheck(global, null);

    // Execute
    dense.finish(float32ToBytes(w));
    delta.finish(encoded.bytes);
    unmeasured.finish(float32ToBytes(w));

    // Assert
    assert.equal(dense.updateNorm, 13);
    assert.equal(delta.updateNorm, 13);
    assert.equal(unmeasured.updateNorm, undefined, 'not summed when nothing asks for it');
  });

  it('measures ‖x − global‖₂ of what int8 and top-k deliver (the decoded delta, not the sent weights)', () => {
    // Prepare: int8 on a block whose max |Δ| is 127 is exact: Δ = (0, 127, −127, 0, 0), norm 127√2. Top-k at 0.4 of
    // 5 values keeps the 2 largest of Δ = (3, 4, 0, 0, 12): norm √(16 + 144) = √160, not the full 13.
    const global = new Float32Array([1, 1, 1, 1, 1]);
    const int8 = parseCodecSpec('int8');
    const topk = parseCodecSpec('topk:0.4');
    const int8Update = encodeUpdate(int8, new Float32Array([1, 128, -126, 1, 1]), global);
    const topkUpdate = encodeUpdate(topk, new Float32Array([4, 5, 1, 1, 13]), global);
    const q = updateValueCheck({ codec: int8, nonzeros: 5 }, global, null, ctx, true);
    const k = updateValueCheck({ codec: topk, nonzeros: topkUpdate.nonzeros }, global, null, ctx, true);

    // Execute
    q.finish(int8Update.bytes);
    k.finish(topkUpdate.bytes);

    // Assert
    assert.equal(topkUpdate.nonzeros, 2);
    assert.ok(Math.abs(q.updateNorm! - 127 * Math.SQRT2) < 1e-3, `int8 norm ${q.updateNorm}`);
    assert.ok(Math.abs(k.updateNorm! - Math.sqrt(160)) < 1e-6, `top-k norm ${k.updateNorm}`);
  });
});
