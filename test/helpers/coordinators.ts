import { setTimeout as sleep } from 'node:timers/promises';
import { parseCoordinatorConfig } from '../../shared/config/index.js';
import { silentLogger, type Logger } from '../../shared/logging/index.js';
import type { RunStatus } from '../../shared/proto/index.js';
import { startCoordinator, type Coordinator, type CoordinatorHooks } from '../../coordinator/main.js';

/**
 * Real coordinator on a free loopback port (plain text unless `config.tls` is given), quiet logs unless `logger` is
 * given. Close it in `after`.
 */
export function startTestCoordinator(
  config: Record<string, unknown> = {},
  hooks: CoordinatorHooks = {},
  logger: Logger = silentLogger(),
): Promise<Coordinator> {
  return startCoordinator(
    parseCoordinatorConfig({ port: 0, httpPort: 0, insecure: !config.tls, ...config }),
    logger,
    hooks,
  );
}

/** Run config input of one round of the MLP, one local epoch, on one site (clientsPerRound = minClients = 1); `o` adds or overrides fields. */
export function oneSiteRound(o: Record<string, unknown> = {}): Record<string, unknown> {
  return { rounds: 1, clientsPerRound: 1, minClients: 1, localEpochs: 1, model: 'mlp', ...o };
}

/**
 * How long a wait may take by default (ms): long enough for a heavily loaded machine; it only turns a hang into a
 * message naming what was awaited before node --test's own 300 s per-file timeout would.
 */
const WAIT_LIMIT_MS = 240_000;

/**
 * Polls `check` (which may be async) every 50 ms until it gives a value other than undefined, or fails after
 * `timeoutMs`.
 */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = WAIT_LIMIT_MS,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** Waits until the run reaches a state in `states`. */
export function waitForRunState(
  c: Coordinator,
  runId: string,
  states: RunStatus['state'][],
  timeoutMs = WAIT_LIMIT_MS,
): Promise<RunStatus> {
  return waitFor(
    `run ${runId} in ${states.join('|')}`,
    () => {
      const s = c.manager.get(runId).status();
      return states.includes(s.state) ? s : undefined;
    },
    timeoutMs,
  );
}

/** Waits until coordinator `c` has run `runId` (loaded, or started) at round `round` or later. */
export function waitForRound(
  c: Coordinator,
  runId: string,
  round: number,
  timeoutMs = WAIT_LIMIT_MS,
): Promise<RunStatus> {
  return waitFor(
    `run ${runId} round ${round}`,
    () => {
      // A standby that takes the lead loads the run only then: until it does, the run is not there.
      const s = c.manager
        .list()
        .find((r) => r.runId === runId)
        ?.status();
      return s && s.currentRound >= round ? s : undefined;
    },
    timeoutMs,
  );
}
