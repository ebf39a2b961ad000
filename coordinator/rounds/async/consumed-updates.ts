/**
 * The updates an asynchronous run folded into its recent versions, by dispatch key (dispatchKey) → the update's
 * SHA-256 ('' when its transport had none to check), so that a re-sent update (its ack lost, or sent again to a
 * restarted coordinator) is acknowledged without being folded twice. Kept for the last `window` versions: an update
 * older than that is refused as stale before this is asked. The checkpoint of each version carries its snapshot.
 */
export class ConsumedUpdates {
  /** Version → its updates' keys and digests; `pending` is the buffer's (not yet a version). */
  private readonly byVersion = new Map<number, Map<string, string>>();
  private pending = new Map<string, string>();

  /** @param window versions kept (maxStaleness + 1). @param restored a checkpoint's snapshot, of version `at`. */
  constructor(
    private readonly window: number,
    restored?: { at: number; entries: readonly (readonly [string, string])[] },
  ) {
    if (restored) this.byVersion.set(restored.at, new Map(restored.entries));
  }

  /** The digest the update of `key` was folded with; undefined when it was not folded (in the kept versions). */
  digestOf(key: string): string | undefined {
    const pending = this.pending.get(key);
    if (pending !== undefined) return pending;
    for (const keys of this.byVersion.values()) {
      const sha = keys.get(key);
      if (sha !== undefined) return sha;
    }
    return undefined;
  }

  /** Records an update folded into the buffer. */
  add(key: string, sha256: string): void {
    this.pending.set(key, sha256);
  }

  /**
   * The buffer became version `version`: its keys join the kept versions, versions older than the window go.
   * @returns the snapshot for the version's checkpoint: every kept key and digest, pending ones excluded.
   */
  seal(version: number): [string, string][] {
    this.byVersion.set(version, this.pending);
    this.pending = new Map();
    for (const v of this.byVersion.keys()) if (v <= version - this.window) this.byVersion.delete(v);
    return [...this.byVersion.values()].flatMap((keys) => [...keys]);
  }
}
