/** Join wait before any client process counts (ms): the coordinator's start and the first process's tfjs load. */
export const JOIN_BASE_MS = 60_000;
/** Join wait added per client process (ms): on a loaded machine the processes start one after another in effect. */
export const JOIN_PER_CLIENT_MS = 20_000;

/**
 * How long a run waits for its client processes to join (the run config's `waitForClientsMs`, ms) when
 * `--join-timeout-ms` is not given: JOIN_BASE_MS + JOIN_PER_CLIENT_MS per process (10 processes: 260 s). A fixed
 * wait failed 10-process arms under load: each process loads tfjs and its share of the digits before it joins.
 * @throws {RangeError} for a count that is not a non-negative integer.
 */
export function joinTimeoutMsFor(clientProcesses: number): number {
  if (!Number.isInteger(clientProcesses) || clientProcesses < 0)
    throw new RangeError(`client processes must be a non-negative integer, got ${clientProcesses}`);
  return JOIN_BASE_MS + JOIN_PER_CLIENT_MS * clientProcesses;
}
