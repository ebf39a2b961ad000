/**
 * Encodes a tuple of labels unambiguously: each part as UTF-8 (numbers in decimal) behind its 4-byte big-endian
 * length, so ("ab", "c") and ("a", "bc") never encode alike. Used for HKDF info strings and AES-GCM associated data,
 * which bind a key or a ciphertext to (purpose, run, round, client ids).
 */
export function encodeBinding(...parts: readonly (string | number)[]): Uint8Array {
  const encoded = parts.map((p) => new TextEncoder().encode(String(p)));
  const out = new Uint8Array(encoded.reduce((n, e) => n + 4 + e.length, 0));
  const view = new DataView(out.buffer);
  let at = 0;
  for (const e of encoded) {
    view.setUint32(at, e.length);
    out.set(e, at + 4);
    at += 4 + e.length;
  }
  return out;
}

/** The two ids of a pair in a fixed order (UTF-16 code-unit order), so both ends derive the same binding. */
export function orderedPair(a: string, b: string): [string, string] {
  return a < b ? [a, b] : [b, a];
}

/** Where a SecAgg+ round lives: the run and the round number; every derived key and ciphertext binds to it. */
export interface RoundRef {
  readonly runId: string;
  /** Round number, integer ≥ 0. */
  readonly round: number;
}
