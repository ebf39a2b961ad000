/** What a site's Join says about its data (ClientCapabilities num_features, num_label_classes, schema_sha256). */
export interface SiteDataShape {
  /** Values per example (a table row's encoded width, an image's H·W·C). */
  readonly numFeatures: number;
  /** 1 + the largest class index among the site's labels. */
  readonly numLabelClasses: number;
  /** Hex SHA-256 of the data schema the site's table was read with; '' = none. */
  readonly schemaSha256: string;
}

/** What a run's model takes (RunSpec, CheckSite's SiteRun): one example's input shape, its classes, the run's schema. */
export interface RunDataShape {
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  /** '' = the run has no data schema. */
  readonly schemaSha256: string;
}

/**
 * Why a site with data `site` cannot train a run's model `run` (pure), or undefined when it can: the site's values
 * per example must equal the product of the model's input shape, its labels must lie below the model's class count,
 * and its table must have been read with the run's data schema (or neither has one). The coordinator selects a site
 * for a run only when this is undefined; `fedsift preflight` says it before the site joins.
 */
export function dataShapeMismatch(site: SiteDataShape, run: RunDataShape): string | undefined {
  if (site.schemaSha256 !== run.schemaSha256) {
    if (!run.schemaSha256) return "the run has no data schema, and the site's table was read with one";
    return site.schemaSha256
      ? "the site's table was read with another data schema than the run's"
      : 'the run reads tables with a data schema, and the site has none';
  }
  const inputSize = run.inputShape.reduce((a, b) => a * b, 1);
  if (site.numFeatures !== inputSize)
    return `the model takes ${inputSize} values per example (input shape [${run.inputShape.join(', ')}]), the site's data has ${site.numFeatures}`;
  if (site.numLabelClasses > run.numClasses)
    return `the model predicts ${run.numClasses} classes, the site's labels go up to ${site.numLabelClasses - 1}`;
  return undefined;
}
