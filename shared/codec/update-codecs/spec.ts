/**
 * How an update travels: the codec named by a run's `updateCodec` and the byte sizes it implies. Pure: no I/O.
 */

/**
 * An update codec with its parameters.
 * - `none`: the absolute weights as float32 (4 bytes per parameter).
 * - `fp16`: the delta (weights − global model) as IEEE binary16.
 * - `int8`: the delta quantised per block of `blockSize` values against the block's absolute maximum.
 * - `topk`: the `fraction` of delta entries of largest magnitude (with error feedback), their values as float32
 *   (`int8BlockSize` null) or int8 in blocks of `int8BlockSize` entries.
 */
export type CodecSpec =
  | { readonly kind: 'none' }
  | { readonly kind: 'fp16' }
  | { readonly kind: 'int8'; readonly blockSize: number }
  | { readonly kind: 'topk'; readonly fraction: number; readonly int8BlockSize: number | null };

/** Values per int8 block when a spec names none. @default 256 */
export const DEFAULT_INT8_BLOCK = 256;
/** Smallest int8 block size (values). */
export const MIN_INT8_BLOCK = 16;
/** Largest int8 block size (values). */
export const MAX_INT8_BLOCK = 65_536;
/** Entries per top-k group when its values travel as float32. */
export const TOPK_FLOAT_GROUP = 256;

const BLOCK = /^\d+$/;
const FRACTION = /^(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;

/**
 * Why `spec` is not a valid codec (block size outside [16, 65536], fraction outside (0, 1), unknown kind), or null
 * when it is. For specs that arrive from elsewhere than parseCodecSpec (a wire header): the caller picks the error.
 */
export function codecSpecProblem(spec: CodecSpec): string | null {
  const block = (b: number, what: string): string | null =>
    Number.isInteger(b) && b >= MIN_INT8_BLOCK && b <= MAX_INT8_BLOCK
      ? null
      : `${what} ${b} is not an integer in [${MIN_INT8_BLOCK}, ${MAX_INT8_BLOCK}]`;
  switch (spec.kind) {
    case 'none':
    case 'fp16':
      return null;
    case 'int8':
      return block(spec.blockSize, 'int8 block size');
    case 'topk':
      if (!(spec.fraction > 0 && spec.fraction < 1)) return `top-k fraction ${spec.fraction} is not in (0, 1)`;
      return spec.int8BlockSize === null ? null : block(spec.int8BlockSize, 'top-k int8 block size');
    default:
      return `unknown codec kind ${JSON.stringify((spec as { kind: unknown }).kind)}`;
  }
}

function parseBlock(text: string | undefined, whole: string): number {
  if (text === undefined) return DEFAULT_INT8_BLOCK;
  if (!BLOCK.test(text)) throw new RangeError(`update codec "${whole}": block size "${text}" is not an integer`);
  return Number(text);
}

/**
 * Parses a run's `updateCodec`: `none` | `fp16` | `int8` | `int8:<block>` | `topk:<fraction>` |
 * `topk:<fraction>+int8` | `topk:<fraction>+int8:<block>`; block in [16, 65536] values (default 256), fraction in
 * (0, 1). Inverse of formatCodecSpec.
 * @throws {RangeError} naming the part of `text` that is wrong.
 */
export function parseCodecSpec(text: string): CodecSpec {
  let spec: CodecSpec;
  const [head, ...rest] = text.split(':');
  if (text === 'none' || text === 'fp16') {
    spec = { kind: text };
  } else if (head === 'int8' && rest.length <= 1) {
    spec = { kind: 'int8', blockSize: parseBlock(rest[0], text) };
  } else if (head === 'topk' && rest.length >= 1) {
    const [fraction, values, ...more] = text.slice('topk:'.length).split('+');
    if (!FRACTION.test(fraction!))
      throw new RangeError(`update codec "${text}": fraction "${fraction}" is not a number`);
    const [valueKind, block, ...extra] = (values ?? 'int8').split(':');
    if (more.length > 0 || valueKind !== 'int8' || extra.length > 0) {
      throw new RangeError(`update codec "${text}": top-k values can only be "+int8" or "+int8:<block>"`);
    }
    spec = { kind: 'topk', fraction: Number(fraction), int8BlockSize: values ? parseBlock(block, text) : null };
  } else {
    throw new RangeError(
      `update codec "${text}": expected none, fp16, int8[:<block>] or topk:<fraction>[+int8[:<block>]]`,
    );
  }
  const problem = codecSpecProblem(spec);
  if (problem !== null) throw new RangeError(`update codec "${text}": ${problem}`);
  return spec;
}

/** The text parseCodecSpec reads back as `spec`; the default block size is left out (`int8`, `topk:0.05+int8`). */
export function formatCodecSpec(spec: CodecSpec): string {
  const block = (b: number): string => (b === DEFAULT_INT8_BLOCK ? 'int8' : `int8:${b}`);
  switch (spec.kind) {
    case 'none':
    case 'fp16':
      return spec.kind;
    case 'int8':
      return block(spec.blockSize);
    case 'topk':
      return `topk:${spec.fraction}${spec.int8BlockSize === null ? '' : `+${block(spec.int8BlockSize)}`}`;
  }
}

/**
 * Entries a top-k update of `n` parameters carries: k = min(n, max(1, ⌈fraction·n⌉)), where a product within 1e-9
 * (relative) of an integer counts as that integer, so `topk:0.07` of 100 is 7, not 8. For the dense codecs: n.
 */
export function maxNonzeros(spec: CodecSpec, n: number): number {
  if (spec.kind !== 'topk') return n;
  const x = spec.fraction * n;
  const nearest = Math.round(x);
  const k = Math.abs(x - nearest) <= 1e-9 * x ? nearest : Math.ceil(x);
  return Math.min(n, Math.max(1, k));
}

/** Bytes LEB128 takes for the unsigned integer `value` (1 for 0–127, … 5 for up to 2³²−1). */
export function varintLength(value: number): number {
  let len = 1;
  for (let v = value; v >= 0x80; v = Math.floor(v / 0x80)) len++;
  return len;
}

/** Entries per top-k group: the int8 block, or TOPK_FLOAT_GROUP for float32 values. */
export function topkGroupSize(spec: Extract<CodecSpec, { kind: 'topk' }>): number {
  return spec.int8BlockSize ?? TOPK_FLOAT_GROUP;
}

/** Bytes of `count` values encoded as int8 in blocks of `blockSize` (one float32 scale per block): count + 4·⌈count/B⌉. */
export function int8Bytes(count: number, blockSize: number): number {
  return count + 4 * Math.ceil(count / blockSize);
}

/**
 * Size in bytes of an update of `n` parameters with `nonzeros` top-k entries (ignored by the dense codecs): exact for
 * none (4n), fp16 (2n) and int8 (n + 4⌈n/B⌉), so min = max; for top-k the index gaps are varints of 1 to
 * varintLength(n) bytes each, so the size lies in [min, max]. A declared size outside the range is malformed.
 * @throws {RangeError} when n or nonzeros is not a non-negative integer.
 */
export function encodedByteRange(spec: CodecSpec, n: number, nonzeros: number): { min: number; max: number } {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer, got ${n}`);
  if (!Number.isSafeInteger(nonzeros) || nonzeros < 0) {
    throw new RangeError(`nonzeros must be a non-negative integer, got ${nonzeros}`);
  }
  const exact = (bytes: number) => ({ min: bytes, max: bytes });
  switch (spec.kind) {
    case 'none':
      return exact(4 * n);
    case 'fp16':
      return exact(2 * n);
    case 'int8':
      return exact(int8Bytes(n, spec.blockSize));
    case 'topk': {
      const values = spec.int8BlockSize === null ? 4 * nonzeros : int8Bytes(nonzeros, spec.int8BlockSize);
      return { min: values + nonzeros, max: values + nonzeros * varintLength(n) };
    }
  }
}

/** Most values in one block that forEachDecodedBlock hands over, and the working size of the dense encoders. */
export const MAX_DECODED_BLOCK = 65_536;
