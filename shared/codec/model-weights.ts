import { InvalidUpdateError } from '../errors/index.js';

/** Name, shape and dtype of one tensor; mirrors `fedsift.v1.TensorSpec`. Only float32 travels in v1. */
export interface TensorSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: 'float32';
}

/**
 * A model's parameters as one flat float32 vector plus the specs that cut it into tensors (in spec order, row-major).
 * `values.length` equals the sum of the specs' element counts. Whoever holds a ModelWeights owns its buffer;
 * functions that keep one copy it.
 */
export interface ModelWeights {
  readonly specs: readonly TensorSpec[];
  readonly values: Float32Array;
}

/** Number of elements of a tensor with this shape (1 for a scalar). */
export function numElements(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Total element count of all specs (parameters). */
export function totalElements(specs: readonly TensorSpec[]): number {
  return specs.reduce((n, s) => n + numElements(s.shape), 0);
}

/** Total byte size of all specs on the wire (4 bytes per float32 element). */
export function totalBytes(specs: readonly TensorSpec[]): number {
  return totalElements(specs) * 4;
}

/**
 * Checks that `got` lists exactly the tensors of `expected`: same count, names, shapes and dtypes, same order.
 * @throws {InvalidUpdateError} naming the first tensor that differs.
 */
export function assertSameSpecs(
  expected: readonly TensorSpec[],
  got: readonly TensorSpec[],
  ctx: { clientId?: string; round?: number } = {},
): void {
  if (expected.length !== got.length) {
    throw new InvalidUpdateError(`update has ${got.length} tensors, the model has ${expected.length}`, ctx);
  }
  expected.forEach((e, i) => {
    const g = got[i]!;
    if (
      g.name !== e.name ||
      g.dtype !== e.dtype ||
      g.shape.length !== e.shape.length ||
      g.shape.some((d, j) => d !== e.shape[j])
    ) {
      throw new InvalidUpdateError(
        `tensor ${i}: expected ${e.name} ${e.dtype}[${e.shape.join(',')}], got ${g.name} ${g.dtype}[${g.shape.join(',')}]`,
        ctx,
      );
    }
  });
}

/** Index of the first NaN or ±Infinity in `values[from, to)`, or -1 when all of them are finite. */
export function firstNonFinite(values: Float32Array, from = 0, to = values.length): number {
  // x·0 is ±0 for a finite x and NaN otherwise, so one sum tells whether the range is clean; four sums keep the
  // floating-point adds independent (about twice the speed of a test per value, which matters at 25 M values per
  // update). Only a range with a bad value is scanned again for its index.
  let a = 0,
    b = 0,
    c = 0,
    d = 0,
    i = from;
  for (; i + 4 <= to; i += 4) {
    a += values[i]! * 0;
    b += values[i + 1]! * 0;
    c += values[i + 2]! * 0;
    d += values[i + 3]! * 0;
  }
  for (; i < to; i++) a += values[i]! * 0;
  if (a + b + c + d === 0) return -1;
  for (i = from; i < to; i++) if (!Number.isFinite(values[i]!)) return i;
  return -1;
}
