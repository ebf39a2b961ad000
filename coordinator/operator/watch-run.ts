import type { RunStatus } from '../../shared/proto/index.js';
import type { AdminClient } from './admin-client.js';
import { formatRoundRow, roundTableHeader, stateName, stepName } from './format.js';
import { plainProgress, terminalProgress } from './progress.js';

/**
 * Follows a run until it finishes, printing a row per completed round — per version in an async run — (on a terminal
 * under a live progress bar; round 0, the feature statistics, as one line), or one JSON event per line. @returns the final status.
 */
export async function watchRun(
  admin: AdminClient,
  runId: string,
  json: boolean,
  out: (line: string) => void = console.log,
): Promise<RunStatus> {
  const progress = !json && out === console.log && process.stdout.isTTY ? terminalProgress() : plainProgress(out);
  let last: RunStatus | undefined;
  try {
    for await (const e of admin.watchRun(runId)) {
      if (!last && !json) progress.row(roundTableHeader(stepName(e.status.configJson)));
      last = e.status;
      progress.update(e.status);
      if (json) out(JSON.stringify(e));
      else if (e.kind === 'RUN_EVENT_KIND_UNSPECIFIED')
        e.status.rounds.forEach((r) => progress.row(formatRoundRow(r, e.status.totalRounds)));
      else if (e.kind === 'RUN_EVENT_KIND_ROUND_COMPLETED' && e.round)
        progress.row(formatRoundRow(e.round, e.status.totalRounds));
      else if (e.kind === 'RUN_EVENT_KIND_ROUND_COMPLETED' && e.status.featureStatistics)
        progress.row(
          `round 0: feature statistics from ${e.status.featureStatistics.sites} sites (see fedsift run status)`,
        );
      else if (e.kind === 'RUN_EVENT_KIND_ROUND_RETRIED')
        progress.row(`round ${e.roundNumber}: quorum not met, retrying`);
    }
  } finally {
    progress.stop();
  }
  if (!last) throw new Error(`WatchRun ${runId} ended without any event`);
  const why =
    last.state === 'RUN_STATE_SUSPENDED'
      ? 'the coordinator shut down; the run resumes when it restarts with its state directory'
      : last.error;
  if (!json) out(`run ${last.runId} ${stateName(last)}${why ? `: ${why}` : ''}`);
  return last;
}
