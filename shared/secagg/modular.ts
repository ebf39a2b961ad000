/**
 * Arithmetic mod a power of two M ≤ 2^32 on Uint32Array, element-wise and in place, through int32 views of the same
 * memory: `(a ± b) & (M − 1)` on int32 is the sum mod 2^32 reduced mod M (M divides 2^32; for M = 2^32 the mask is
 * −1, all bits), so the engine never leaves int32 arithmetic. No BigInt, no overflow.
 * @see Bonawitz et al., CCS 2017, §3 (inputs and masks in Z_R, R a power of two)
 */

/** The bit mask M − 1 of a power-of-two modulus. @throws {RangeError} when modulus is not a power of two in [2, 2^32]. */
export function modMask(modulus: number): number {
  if (!Number.isInteger(modulus) || modulus < 2 || modulus > 2 ** 32 || 2 ** Math.round(Math.log2(modulus)) !== modulus)
    throw new RangeError(`modulus must be a power of two in [2, 2^32], got ${modulus}`);
  return modulus === 2 ** 32 ? 0xffffffff : modulus - 1;
}

const int32View = (v: Uint32Array): Int32Array => new Int32Array(v.buffer, v.byteOffset, v.length);

function sameLength(a: Uint32Array, b: Uint32Array, op: string): void {
  if (a.length !== b.length) throw new RangeError(`${op}: lengths differ (${a.length} vs ${b.length})`);
}

/** acc ← (acc + v) mod M. Returns acc. @throws {RangeError} on a length mismatch or a bad modulus. */
export function addModInPlace(acc: Uint32Array, v: Uint32Array, modulus: number): Uint32Array {
  sameLength(acc, v, 'addModInPlace');
  const m = modMask(modulus) | 0;
  const [a, b] = [int32View(acc), int32View(v)];
  for (let i = 0; i < a.length; i++) a[i] = (a[i]! + b[i]!) & m;
  return acc;
}

/** acc ← (acc − v) mod M. Returns acc. @throws {RangeError} on a length mismatch or a bad modulus. */
export function subModInPlace(acc: Uint32Array, v: Uint32Array, modulus: number): Uint32Array {
  sameLength(acc, v, 'subModInPlace');
  const m = modMask(modulus) | 0;
  const [a, b] = [int32View(acc), int32View(v)];
  for (let i = 0; i < a.length; i++) a[i] = (a[i]! - b[i]!) & m;
  return acc;
}

/** Index of the first value ≥ modulus, or −1 when every value is a residue mod M. */
export function firstOutOfRange(v: Uint32Array, modulus: number): number {
  if (modulus >= 2 ** 32) return -1;
  for (let i = 0; i < v.length; i++) if (v[i]! >= modulus) return i;
  return -1;
}
