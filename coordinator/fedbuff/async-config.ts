import { z } from 'zod';
import { parseStaleness, STALENESS_HINT, STALENESS_PATTERN, type StalenessForm } from './staleness.js';

/**
 * A run config's `async` block: buffered asynchronous aggregation (FedBuff), read when `mode` is "async". Clients
 * train from the latest version whenever they are free; every `bufferSize` accepted updates make a new version.
 */
export const asyncSchema = z
  .object({
    /** K: accepted updates per new version. @default 10 */
    bufferSize: z.number().int().min(1).max(100_000).default(10),
    /** Clients training at once (dispatched and not yet answered). @default 10 */
    maxConcurrency: z.number().int().min(1).max(1_000_000).default(10),
    /**
     * Oldest base version an update may have, in versions behind the current one: a staler one is refused (ABORTED,
     * with the current version). The coordinator keeps that many past models to rebase updates on. @default 4
     */
    maxStaleness: z.number().int().min(0).max(1000).default(4),
    /** Staleness weight s(τ): `sqrt` 1/√(1+τ), `constant` 1, `polynomial:a` (1+τ)^−a. @default "sqrt" */
    staleness: z.string().regex(STALENESS_PATTERN, STALENESS_HINT).default('sqrt'),
    /** η_g: each update's rebased step is scaled by η_g·s(τ) (FedBuff's server learning rate). @default 1 */
    serverLearningRate: z.number().positive().max(100).default(1),
  })
  .strict();

/** A run config's `async` block as validated (defaults filled). */
export type AsyncOptions = z.output<typeof asyncSchema>;

/** The validated `async` block with its staleness form parsed. */
export interface AsyncSettings extends Omit<AsyncOptions, 'staleness'> {
  readonly staleness: StalenessForm;
}

/** The async settings of a validated block. */
export function asyncSettingsOf(o: AsyncOptions): AsyncSettings {
  return { ...o, staleness: parseStaleness(o.staleness) };
}

/** A problem of a run config that involves `mode: "async"`, with the path of the field it names. */
export interface AsyncIssue {
  path: (string | number)[];
  message: string;
}

/**
 * What an asynchronous run refuses, each issue naming both fields: secure aggregation (its masks cancel only in the
 * sum of one synchronous selection), differential privacy central or local (the accountant counts rounds of one
 * sampled cohort), and robust strategies (they need every update of a round at once, a buffer never holds them all).
 * @returns the issues; none for a synchronous run.
 */
export function asyncRunIssues(run: {
  mode: 'sync' | 'async';
  secureAggregation: unknown;
  differentialPrivacy: { mode: 'central' | 'local' } | null;
  strategy: { name: string; robust: boolean };
}): AsyncIssue[] {
  if (run.mode !== 'async') return [];
  const refuse = (field: string, why: string): AsyncIssue => ({
    path: [field],
    message: `mode "async" cannot be combined with ${field}: ${why}`,
  });
  const issues: AsyncIssue[] = [];
  if (run.secureAggregation)
    issues.push(refuse('secureAggregation', 'SecAgg+ masks cancel only in the sum of one synchronous selection'));
  if (run.differentialPrivacy)
    issues.push(
      refuse(
        'differentialPrivacy',
        `its accountant counts synchronous rounds of one sampled cohort (mode "${run.differentialPrivacy.mode}")`,
      ),
    );
  if (run.strategy.robust)
    issues.push(
      refuse('strategy', `${run.strategy.name} needs every update of a round at once; a buffer never holds them all`),
    );
  return issues;
}
