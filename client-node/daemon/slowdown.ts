/**
 * A client slowed on purpose, a simulation and testing aid (`fedsift client --slowdown F`, `--slow-clients` of the demo
 * and the simulator): after its local work for a round (weighting and training) it waits (F − 1) times that work's
 * measured wall time before it submits, so the work takes F times as long as on this machine at full speed. Nothing
 * else changes: heartbeats go on during the wait, and a wait that runs past the round's deadline makes the update
 * late, as a genuinely slow client's would be.
 */
export interface Slowdown {
  /** F ≥ 1, finite; 1 = full speed. */
  readonly factor: number;
  /** Clock the work is measured with (milliseconds; only differences are used). */
  now(): number;
  /** Waits `ms` milliseconds. @throws when the wait is cut short (e.g. the daemon closes): the round is abandoned. */
  sleep(ms: number): Promise<void>;
}

/**
 * How long a client slowed by `factor` waits after `workMs` of local work (ms): (factor − 1) · workMs, so work plus
 * wait is factor · workMs.
 * @throws {RangeError} when factor is not a finite number ≥ 1 or workMs is not a finite number ≥ 0.
 */
export function slowdownWaitMs(factor: number, workMs: number): number {
  if (!(Number.isFinite(factor) && factor >= 1))
    throw new RangeError(`slowdown must be a finite number ≥ 1, got ${factor}`);
  if (!(Number.isFinite(workMs) && workMs >= 0))
    throw new RangeError(`work time must be a finite number ≥ 0 ms, got ${workMs}`);
  return (factor - 1) * workMs;
}
