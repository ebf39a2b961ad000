import { needsStatistics, type DataSchema } from '../../shared/tabular/index.js';

/** One refused combination of a hierarchical run, with the path of the field it names besides `hierarchical`. */
export interface HierarchicalIssue {
  path: string[];
  message: string;
}

/**
 * What a hierarchical run (`hierarchical: true`, aggregators standing for sub-fleets; README "Hierarchical
 * aggregation") refuses, each issue naming both fields: a robust strategy (it needs every single client update, and
 * an aggregator forwards only its sub-fleet's weighted mean), `secureAggregation` (SecAgg+ masks cancel only in the
 * coordinator's sum of its own participants' vectors), `mode: "async"` (an aggregator folds one synchronous round of
 * its sub-fleet) and central `differentialPrivacy` (it clips and noises each participant's update as one client's,
 * and accounts the sampling of participants, not of the clients behind them) and a data `schema` that needs feature
 * statistics (round 0's statistics are gathered from the sites that join the coordinator; aggregators do not relay
 * it). Local DP is clipped and noised by each client itself, so it stays allowed.
 * @returns the issues; none for a flat run.
 */
export function hierarchicalRunIssues(run: {
  hierarchical: boolean;
  mode: 'sync' | 'async';
  secureAggregation: unknown;
  differentialPrivacy: { mode: 'central' | 'local' } | null;
  strategy: { name: string; robust: boolean };
  schema: DataSchema | null;
}): HierarchicalIssue[] {
  if (!run.hierarchical) return [];
  const refuse = (path: string[], what: string, why: string): HierarchicalIssue => ({
    path,
    message: `${what} cannot be combined with hierarchical: ${why}`,
  });
  const issues: HierarchicalIssue[] = [];
  if (run.strategy.robust)
    issues.push(
      refuse(
        ['strategy', 'name'],
        `strategy "${run.strategy.name}"`,
        'a robust strategy needs every single client update, and an aggregator forwards only the weighted mean of ' +
          "its sub-fleet's; use a FedAvg-family strategy",
      ),
    );
  if (run.secureAggregation)
    issues.push(
      refuse(
        ['secureAggregation'],
        'secureAggregation',
        "SecAgg+ masks cancel only in the coordinator's sum of its own participants' masked vectors, which an " +
          'aggregator would have to unmask',
      ),
    );
  if (run.mode === 'async')
    issues.push(refuse(['mode'], 'mode "async"', 'an aggregator folds one synchronous round of its sub-fleet'));
  if (run.differentialPrivacy?.mode === 'central')
    issues.push(
      refuse(
        ['differentialPrivacy', 'mode'],
        'central differentialPrivacy',
        "the coordinator would clip and noise each aggregator's update as one client's and account the sampling " +
          'of aggregators, not of the clients behind them; use differentialPrivacy.mode "local" (each client clips ' +
          'and noises its own update)',
      ),
    );
  if (run.schema && needsStatistics(run.schema))
    issues.push(
      refuse(
        ['schema'],
        'a schema that needs feature statistics',
        'round 0 gathers them (for missing "impute-mean", or standardize with numeric features) from the sites, and ' +
          'aggregators do not relay it; set the schema\'s "standardize" to false and "missing" to "error" or "drop"',
      ),
    );
  return issues;
}
