import { formatCodecSpec, parseCodecSpec, type CodecSpec } from '../codec/index.js';
import type { WireUpdateCodec } from './messages.js';

/**
 * The wire form of an update codec (FitConfig.update_codec, UpdateHeader.codec).
 * @param nonzeros top-k entries an update holds (only in an UpdateHeader of a topk update; 0 otherwise).
 */
export function codecToWire(spec: CodecSpec, nonzeros = 0): WireUpdateCodec {
  if (spec.kind === 'topk') {
    return { kind: 'topk', blockSize: spec.int8BlockSize ?? 0, fraction: spec.fraction, nonzeros };
  }
  return { kind: spec.kind, blockSize: spec.kind === 'int8' ? spec.blockSize : 0, fraction: 0, nonzeros: 0 };
}

/**
 * The codec a wire UpdateCodec names (absent or kind "" = none), with its parameters checked as in a run config.
 * @returns the spec, or why the message names no valid codec.
 */
export function codecFromWire(w: WireUpdateCodec | null | undefined): CodecSpec | string {
  if (!w || w.kind === '' || w.kind === 'none') return { kind: 'none' };
  const text =
    w.kind === 'int8'
      ? `int8:${w.blockSize}`
      : w.kind === 'topk'
        ? `topk:${w.fraction}${w.blockSize ? `+int8:${w.blockSize}` : ''}`
        : w.kind;
  try {
    return parseCodecSpec(text);
  } catch (err) {
    return `codec ${JSON.stringify(text)}: ${(err as Error).message}`;
  }
}

/** True when two codec specs encode alike (same kind and parameters). */
export function sameCodec(a: CodecSpec, b: CodecSpec): boolean {
  return formatCodecSpec(a) === formatCodecSpec(b);
}
