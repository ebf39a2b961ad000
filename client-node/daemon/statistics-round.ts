import type { Logger } from '../../shared/logging/index.js';
import type { RoundAnnouncement } from '../../shared/proto/index.js';
import { statisticsToSend } from '../data/index.js';
import type { CoordinatorLink } from '../link/index.js';
import { callDeadline } from './late-submission.js';
import type { RunContexts } from './run-context.js';

/** What a statistics round works with: the daemon's runs, its link and identity, and its round's logger. */
export interface StatisticsRound {
  runs: RunContexts;
  link: CoordinatorLink;
  clientId: string;
  log: Logger;
}

/**
 * Round 0 of a run with a data schema, for a site it selects: the run's spec (whose schema must be the one this site's
 * table was read with), the site's sums over its rows (never rows; shared/tabular siteStatistics), SubmitStatistics.
 * A site with fewer rows than the schema's minSiteRows sends only its row count (statisticsToSend; its Join already said
 * it) and logs why: so few rows would all but reveal them, and the coordinator combines the other sites' statistics.
 * @returns whether statistics were sent.
 * @throws the gRPC error of a call; {DataError} when the run's schema is not the site's.
 */
export async function playStatisticsRound(s: StatisticsRound, a: RoundAnnouncement): Promise<boolean> {
  const deadline = callDeadline(a);
  const spec = await s.runs.spec(a, () => s.link.fetchRunSpec(a.runId, s.clientId, deadline));
  const { sums, rowsOnly, minSiteRows } = statisticsToSend(s.runs.site, spec); // a site without a table throws here
  const sent = { runId: a.runId, clientId: s.clientId, ...sums };
  if (rowsOnly) {
    // The coordinator refuses it (FAILED_PRECONDITION, naming minSiteRows): that refusal is the expected answer.
    const answer = await s.link.submitStatistics(sent, deadline).then(
      (ack) => ack.message,
      (err: Error) => err.message,
    );
    s.log.warn(
      { rows: sums.rows, minSiteRows, coordinator: answer },
      "no feature statistics sent: this site has fewer rows than the data schema's minSiteRows",
    );
    return false;
  }
  const ack = await s.link.submitStatistics(sent, deadline);
  s.log.info({ rows: sums.rows }, ack.message || 'feature statistics sent');
  return true;
}
