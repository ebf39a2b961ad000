/** What {@link runWithRetry} ends with. */
export interface Retried<T> {
  /** The last attempt succeeded. */
  ok: boolean;
  /** The last attempt's result; undefined when it threw (failed to start, or its run could not be followed). */
  value?: T;
  /** Attempts made, 1 … maxAttempts. */
  attempts: number;
  /** Why each failed attempt failed, in order: empty when the first succeeded; every attempt's reason when !ok. */
  failures: string[];
}

/**
 * Runs an experiment arm, again when it fails, at most `maxAttempts` times in all. An attempt fails when `run`
 * throws (the arm did not start: a coordinator port, client processes that never joined) or when `failureOf` names a
 * reason for what it returned (the run ended in another state than completed). Never throws for a failed arm: the
 * caller reports `failures` next to the arm, so a failure is never silently left out.
 * @param run one attempt, given its number (1-based); a fresh federation each time, so no state leaks between tries
 * @param failureOf why a returned value counts as failed, undefined when it succeeded
 * @param maxAttempts attempts in all. @default 2 (one retry)
 * @param onFailure told of each failed attempt (e.g. to log it) before the next one starts
 */
export async function runWithRetry<T>(
  run: (attempt: number) => Promise<T>,
  failureOf: (value: T) => string | undefined,
  maxAttempts = 2,
  onFailure: (attempt: number, reason: string) => void = () => undefined,
): Promise<Retried<T>> {
  const failures: string[] = [];
  let value: T | undefined;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    let reason: string | undefined;
    try {
      value = await run(attempt);
      reason = failureOf(value);
    } catch (err) {
      value = undefined;
      reason = `did not run: ${err instanceof Error ? err.message : String(err)}`;
    }
    if (reason === undefined) return { ok: true, value, attempts: attempt, failures };
    failures.push(reason);
    onFailure(attempt, reason);
  }
  return { ok: false, value, attempts: maxAttempts, failures };
}
