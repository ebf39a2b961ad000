import { readFileSync } from 'node:fs';
import type { ModelWeights, TensorSpec } from '../../shared/codec/index.js';
import { totalElements } from '../../shared/codec/index.js';
import { DataError } from '../../shared/errors/index.js';
import { writeFileAtomic } from '../../shared/files/index.js';
import type { PrivacyState } from '../privacy/index.js';

/**
 * What a round's checkpoint holds: the global model after the round, the strategy's server state and, with central
 * differential privacy, the accountant's history and the next clipping norm.
 */
export interface Checkpoint {
  round: number;
  weights: ModelWeights;
  /** Strategy state carried across rounds (FedAvgM momentum, FedOpt moments), each as long as the model. */
  serverState: Record<string, Float32Array>;
  /** Central DP state after the round (accountant history, clipping norm); absent without DP. */
  privacy?: PrivacyState;
  /** An asynchronous run's version: what a restart needs to fold no update twice; absent in synchronous runs. */
  async?: AsyncCheckpoint;
}

/** The part of an asynchronous run's checkpoint beyond the model (coordinator/rounds/async). */
export interface AsyncCheckpoint {
  /** [dispatch key, update SHA-256] of the updates folded into this version and the few before it. */
  consumed: [string, string][];
  /**
   * The next dispatch batch id when this version was made. A restarted run does not reuse the ids handed out after
   * it: ids are reserved in the store before they are handed out (RunStore.reserveDispatchIds), and the resumed run
   * starts after the stored mark (StoredRun.dispatchIdsReserved), which is at least this − 1. So a key (client id/batch
   * id) never repeats in a run, and an update of a dispatch from before the restart is never taken as a later
   * dispatch's: it is acknowledged as a re-send when it was folded into a version `consumed` keeps (a different
   * update under its key is refused, DuplicateUpdateError), else refused with StaleRoundError (ABORTED: no dispatch
   * of its key, or past maxStaleness), or, when it trained from a version made but not committed before the restart,
   * with InvalidUpdateError (its round has not started in the resumed run). This id counts only for state an older fedsift wrote, without a mark: such a
   * run resumes from it once, reusing ids as that build did.
   */
  nextDispatch: number;
}

const MAGIC = 'FSCK1';

/**
 * Serialises a checkpoint. Layout: "FSCK1", u32 LE header length, JSON header {round, specs, state names, privacy
 * (only with DP: its accountant history and clipping norm, as float64 JSON numbers), async (only in an asynchronous
 * run: its consumed dispatch keys and next dispatch id)}, then the
 * float32 LE values of the model and of each state vector (4 bytes per value). @returns the parts, in order.
 */
export function encodeCheckpoint(c: Checkpoint): Uint8Array[] {
  const stateNames = Object.keys(c.serverState).sort();
  const header = Buffer.from(
    JSON.stringify({ round: c.round, specs: c.weights.specs, state: stateNames, privacy: c.privacy, async: c.async }),
  );
  const prefix = Buffer.alloc(MAGIC.length + 4);
  prefix.write(MAGIC, 0, 'latin1');
  prefix.writeUInt32LE(header.length, MAGIC.length);
  const values = [c.weights.values, ...stateNames.map((n) => c.serverState[n]!)].map(
    (v) => new Uint8Array(v.buffer, v.byteOffset, v.byteLength),
  );
  return [prefix, header, ...values];
}

/**
 * Reads a checkpoint serialised by {@link encodeCheckpoint}; `source` names it in errors (a path, a table row).
 * @throws {DataError} when the bytes are truncated, damaged or not a checkpoint.
 */
export function decodeCheckpoint(buf: Buffer, source: string): Checkpoint {
  if (buf.length < MAGIC.length + 4 || buf.toString('latin1', 0, MAGIC.length) !== MAGIC)
    throw new DataError(`${source} is not a fedsift checkpoint`);
  const headerLength = buf.readUInt32LE(MAGIC.length);
  const start = MAGIC.length + 4 + headerLength;
  let header: { round: number; specs: TensorSpec[]; state: string[]; privacy?: PrivacyState; async?: AsyncCheckpoint };
  try {
    header = JSON.parse(buf.toString('utf8', MAGIC.length + 4, start)) as typeof header;
  } catch {
    throw new DataError(`${source}: its header is not JSON (truncated or damaged?)`);
  }
  const n = totalElements(header.specs);
  if (buf.length !== start + 4 * n * (1 + header.state.length))
    throw new DataError(
      `${source}: ${buf.length} bytes, expected ${start + 4 * n * (1 + header.state.length)} (truncated?)`,
    );
  // Copy into an aligned buffer: the header length makes the values' offset arbitrary.
  const floats = new Float32Array(new Uint8Array(buf.subarray(start)).buffer);
  const serverState = Object.fromEntries(header.state.map((name, i) => [name, floats.slice((i + 1) * n, (i + 2) * n)]));
  const weights = { specs: header.specs, values: floats.slice(0, n) };
  return {
    round: header.round,
    weights,
    serverState,
    ...(header.privacy && { privacy: header.privacy }),
    ...(header.async && { async: header.async }),
  };
}

/**
 * Writes a checkpoint atomically (writeFileAtomic: a crash leaves either the old file or the complete new one), in
 * the layout of {@link encodeCheckpoint}. @throws the file-system error.
 */
export function writeCheckpoint(path: string, c: Checkpoint): void {
  writeFileAtomic(path, encodeCheckpoint(c));
}

/** Reads a checkpoint written by {@link writeCheckpoint}. @throws {DataError} when the file is truncated or not a checkpoint. */
export function readCheckpoint(path: string): Checkpoint {
  return decodeCheckpoint(readFileSync(path), path);
}
