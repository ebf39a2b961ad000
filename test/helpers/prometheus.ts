import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

/** One metric family as parse-prometheus-text-format returns it. */
export interface MetricFamily {
  name: string;
  help: string;
  type: string;
  metrics: {
    value?: string;
    labels?: Record<string, string>;
    buckets?: Record<string, string>;
    count?: string;
    sum?: string;
  }[];
}

const parse = createRequire(import.meta.url)('parse-prometheus-text-format') as (text: string) => MetricFamily[];

/**
 * Fetches a /metrics endpoint and parses it as Prometheus text exposition format.
 * @throws when the answer is not 200 or does not parse.
 */
export async function scrape(url: string): Promise<MetricFamily[]> {
  return parse(await scrapeText(url));
}

/** The text a /metrics endpoint serves. @throws when the answer is not 200. */
export async function scrapeText(url: string): Promise<string> {
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status}`);
  return res.text();
}

/**
 * Value of the series `name` whose labels include `labels` (counters, gauges), or undefined. For a histogram: its
 * observation count (the `+Inf` bucket) — the parser drops histogram labels, so use it with one labelled series only.
 */
export function valueOf(
  families: MetricFamily[],
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const family = families.find((f) => f.name === name);
  if (family?.type === 'HISTOGRAM') {
    const count = family.metrics[0]?.buckets?.['+Inf'];
    return count === undefined ? undefined : Number(count);
  }
  const v = family?.metrics.find((s) => Object.entries(labels).every(([k, val]) => s.labels?.[k] === val))?.value;
  return v === undefined ? undefined : Number(v);
}

/** True when Prometheus's `promtool` is on the PATH (`.ci/run` installs it from Debian's prometheus package). */
export const HAS_PROMTOOL = spawnSync('promtool', ['--version']).status === 0;

/**
 * Runs `promtool check metrics` (Prometheus's linter for the text exposition format) on `text`.
 * @returns its exit status and what it printed (one line per problem).
 */
export function promtoolCheck(text: string): { status: number | null; problems: string } {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return { status: r.status, problems: `${r.stdout}${r.stderr}`.trim() };
}
