import {
  CLASS_LOSS_METRICS,
  CLIENT_METRICS,
  WEIGHT_HIST_METRICS,
  WEIGHT_HISTOGRAM_BINS,
  weightBinLowerEdge,
  type IndexedMetricFamily,
} from '../../shared/contract/index.js';
import type { RoundSummary, RunStatus, SiteConflicts } from '../../shared/proto/index.js';
import { formatFeatureStatistics } from './statistics-table.js';

const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(2)}%` : '—');
const num = (x: number, d = 4) => (Number.isFinite(x) ? x.toFixed(d) : '—');

/** What a run's steps are called: `version` in an asynchronous run (FedBuff, config `mode: "async"`), else `round`. */
export type StepName = 'round' | 'version';

/** The step name of a run config's `mode`. */
export function stepOfMode(mode: unknown): StepName {
  return mode === 'async' ? 'version' : 'round';
}

/** The step name of the run whose config is `configJson` (a status without its config: `round`). */
export function stepName(configJson: string): StepName {
  try {
    return stepOfMode((JSON.parse(configJson) as { mode?: unknown }).mode);
  } catch {
    return 'round';
  }
}

/** Header of the per-round (per-version) progress table (`fedsift run watch`, `run status`, `simulate`, `demo`). */
export function roundTableHeader(step: StepName = 'round'): string {
  return `${step.padEnd(8)} clients  train loss  test loss  test acc   seconds    up MB  ÷ f32  down MB`;
}

const mb = (bytes: number | undefined) => (bytes === undefined ? '—' : (bytes / 1e6).toFixed(2));

/**
 * One progress line for a completed round: round, responding/selected clients, losses, test accuracy, seconds, the
 * update bytes the clients sent (MB), their share of the same updates as float32, and the global-model bytes
 * FetchModel sent (MB); "—" where an older coordinator did not count them. A round of a run with central
 * differential privacy ends with its ε so far and its clipping norm ("ε 1.234 C 0.5120"); a round of a hierarchical
 * run whose aggregators stood for more clients than responded, or for clients that failed, with the client updates
 * and those failures ("600 client updates, 3 failed behind aggregators").
 */
export function formatRoundRow(r: RoundSummary, totalRounds: number): string {
  const round = `${r.round}/${totalRounds}`.padEnd(8);
  const clients = `${r.responded}/${r.selected}`.padEnd(8);
  const ratio = r.updateBytes !== undefined && r.rawUpdateBytes ? num(r.updateBytes / r.rawUpdateBytes, 3) : '—';
  return `${round} ${clients} ${num(r.trainLoss).padStart(10)} ${num(r.testLoss).padStart(10)} ${pct(r.testAccuracy).padStart(9)} ${(r.durationMs / 1000).toFixed(1).padStart(9)} ${mb(r.updateBytes).padStart(8)} ${ratio.padStart(6)} ${mb(r.modelBytes).padStart(8)}${r.dpEpsilon ? `  ε ${num(r.dpEpsilon, 3)} C ${num(r.dpClippingNorm ?? NaN)}` : ''}${subFleets(r)}`;
}

/** "  600 client updates, 3 failed behind aggregators" of a round whose aggregators stood for sub-fleets; else ''. */
function subFleets(r: RoundSummary): string {
  // 0 or absent: an older coordinator, which did not count them
  if (!r.clientUpdates || (r.clientUpdates === r.responded && !r.subFleetFailed)) return '';
  return `  ${r.clientUpdates} client updates, ${r.subFleetFailed ?? 0} failed behind aggregators`;
}

/** Short state name: `RUN_STATE_RUNNING` → `running`. */
export function stateName(s: RunStatus): string {
  return s.state.replace('RUN_STATE_', '').toLowerCase();
}

/** The run's `name` from its config (what `fedsift run start --name` set), quoted; '' when it has none. */
function runName(s: RunStatus): string {
  try {
    const { name } = JSON.parse(s.configJson) as { name?: unknown };
    return typeof name === 'string' && name ? ` "${name}"` : '';
  } catch {
    return ''; // a status without its config (an older coordinator) just shows no name
  }
}

/** Multi-line human summary of a run (`fedsift run status`). */
export function formatRunStatus(s: RunStatus): string {
  const last = s.rounds.at(-1);
  const step = stepName(s.configJson);
  const lines = [
    `run ${s.runId}${runName(s)}: ${stateName(s)}, ${step} ${s.currentRound}/${s.totalRounds}, ${s.connectedClients} clients connected`,
    last
      ? `last ${step}: test accuracy ${pct(last.testAccuracy)}, test loss ${num(last.testLoss)}${traffic(last)}`
      : `no ${step} completed yet`,
  ];
  if (s.error) lines.push(`${s.state === 'RUN_STATE_COMPLETED' ? 'ended' : 'error'}: ${s.error}`);
  if (last?.dpEpsilon) lines.push(privacyLine(last, s.configJson));
  if (s.siteConflicts?.length) lines.push(formatSiteConflicts(s.siteConflicts));
  if (s.featureStatistics) lines.push(...formatFeatureStatistics(s.featureStatistics, s.configJson));
  const weighted = [...s.rounds].reverse().find((r) => r.clientMetrics[CLIENT_METRICS.effectiveExamples] !== undefined);
  if (weighted) lines.push(...formatWeighting(weighted));
  if (s.rounds.length) lines.push(roundTableHeader(step), ...s.rounds.map((r) => formatRoundRow(r, s.totalRounds)));
  return lines.join('\n');
}

/** "differential privacy: ε = 1.234 (δ = 1e-5) after round 3, clipping norm 0.512" of a round of a DP run. */
function privacyLine(r: RoundSummary, configJson: string): string {
  let delta = '';
  try {
    const d = (JSON.parse(configJson) as { differentialPrivacy?: { delta?: number } }).differentialPrivacy?.delta;
    if (d !== undefined) delta = ` (δ = ${d})`;
  } catch {
    // a status without its config shows ε without δ
  }
  return `differential privacy: ε = ${num(r.dpEpsilon!, 3)}${delta} after round ${r.round}, clipping norm ${num(r.dpClippingNorm ?? NaN, 4)}`;
}

/** ", updates int8 (12.3 MB, 0.254 of float32), downloads none (48.1 MB)" of a round; '' from an older coordinator. */
function traffic(r: RoundSummary): string {
  if (r.updateBytes === undefined || !r.rawUpdateBytes) return '';
  const share = num(r.updateBytes / r.rawUpdateBytes, 3);
  return `, updates ${r.updateCodec} (${mb(r.updateBytes)} MB, ${share} of float32), downloads ${r.downloadCodec} (${mb(r.modelBytes)} MB)`;
}

/** One line naming the sites a second daemon tried to speak for: refused Joins, takeovers, the peer holding it now. */
function formatSiteConflicts(sites: SiteConflicts[]): string {
  const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
  const site = (c: SiteConflicts) =>
    `${c.siteId} (${plural(c.refusedJoins, 'join')} refused, ${plural(c.takeovers, 'takeover')}; held from ${c.peer})`;
  return `sites with a second daemon: ${sites.map(site).join(' · ')}`;
}

/** One line per run (`fedsift run list`). */
export function formatRunList(runs: RunStatus[]): string {
  if (!runs.length) return 'no runs';
  return runs
    .map(
      (s) =>
        `${s.runId}  ${stateName(s).padEnd(9)} ${stepName(s.configJson)} ${s.currentRound}/${s.totalRounds}  acc ${pct(s.rounds.at(-1)?.testAccuracy ?? NaN)}${runName(s)}`,
    )
    .join('\n');
}

/** The sample-weighting aggregates of a round (example-weighted means of what the clients reported). */
function formatWeighting(r: RoundSummary): string[] {
  const m = r.clientMetrics,
    M = CLIENT_METRICS;
  const indexed = (family: IndexedMetricFamily) =>
    Object.entries(m)
      .map(([k, v]) => [family.indexOf(k), v] as const)
      .filter((e): e is readonly [number, number] => e[0] !== undefined)
      .sort((a, b) => a[0] - b[0]);
  const last = WEIGHT_HISTOGRAM_BINS - 1;
  const hist = indexed(WEIGHT_HIST_METRICS).map(
    ([b, v]) =>
      `[${weightBinLowerEdge(b).toFixed(1)}, ${weightBinLowerEdge(b + 1).toFixed(1)}${b === last ? ']' : ')'} ${pct(v)}`,
  );
  const losses = indexed(CLASS_LOSS_METRICS).map(([c, v]) => `${c}: ${num(v, 3)}`);
  return [
    `sample weighting (round ${r.round}, mean per client): effective samples ${num(m[M.effectiveExamples]!, 1)}, down-weighted ${pct(m[M.downweightedRatio]!)}, ` +
      `label issues flagged ${num(m[M.labelIssuesFlagged]!, 1)}, labels corrected ${num(m[M.labelsCorrected] ?? 0, 1)}, curriculum stage ${num(m[M.curriculumStage] ?? 1, 3)}`,
    ...(hist.length ? [`  sample weights: ${hist.join(' · ')}`] : []),
    ...(losses.length ? [`  mean loss by class (nats): ${losses.join(' · ')}`] : []),
  ];
}
