import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { SITE_SUMMARY_FILE, type SiteSummary } from '../../shared/contract/index.js';
import { writeFileAtomic } from '../../shared/files/index.js';
import type { LabelIssue } from '../weighting/index.js';

/** One entry of the active-learning queue: a sample worth (re)labelling and its uncertainty. */
export interface LabelNextEntry {
  index: number;
  givenLabel: number;
  /** Entropy of the global model's prediction (nats): higher = more uncertain. */
  entropy: number;
}

/**
 * Writes the site's local report for a round — `label-issues.{csv,json}` (every sample ranked by its label-quality
 * score, most suspicious first: sample index, given label, suggested label, score, whether the default cut flags it and
 * whether training corrected it; a refused probability row has an empty score and comes last), `label-next.{csv,json}`
 * (the active-learning queue) and `summary.json` ({@link SiteSummary}: the score, the round's weighting statistics
 * and, in experiments with injected noise, detection quality and its precision–recall curve) — into `dir`, replacing
 * the previous round's files atomically (write then rename). The JSON files start with the summary's run id and round.
 * Nothing here leaves the site.
 * @throws the file-system error when `dir` cannot be written.
 */
export function writeSiteReport(
  dir: string,
  summary: SiteSummary,
  issues: readonly LabelIssue[],
  labelNext: readonly LabelNextEntry[],
): void {
  const meta = { runId: summary.runId, round: summary.round };
  mkdirSync(dir, { recursive: true });
  const put = (name: string, text: string) => writeFileAtomic(join(dir, name), [text]);
  put(
    'label-issues.csv',
    stringify(
      issues.map((i) => ({
        sample_index: i.index,
        given_label: i.givenLabel,
        suggested_label: i.suggestedLabel,
        score: i.score,
        flagged: i.flagged,
        corrected: i.corrected,
      })),
      {
        header: true,
        columns: ['sample_index', 'given_label', 'suggested_label', 'score', 'flagged', 'corrected'],
        cast: { boolean: (v) => String(v) },
      },
    ),
  );
  put('label-issues.json', JSON.stringify({ ...meta, issues }, null, 2) + '\n');
  put(
    'label-next.csv',
    stringify(
      labelNext.map((e) => ({ sample_index: e.index, given_label: e.givenLabel, entropy: e.entropy })),
      { header: true, columns: ['sample_index', 'given_label', 'entropy'] },
    ),
  );
  put('label-next.json', JSON.stringify({ ...meta, queue: labelNext }, null, 2) + '\n');
  put(SITE_SUMMARY_FILE, JSON.stringify(summary, null, 2) + '\n');
}
