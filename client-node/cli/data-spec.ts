import { ConfigError } from '../../shared/errors/index.js';

/** The data flags of `fedsift client` besides `--data`: partition (the bundled MNIST digits) and CSV flags. */
export interface PartitionFlags {
  partitionIndex?: number;
  numPartitions?: number;
  alpha?: number;
  partitionSeed?: number;
  labelColumn?: string;
  featureScale?: number;
  /** csv: path of the run's data schema JSON. */
  schema?: string;
}

/**
 * Turns the `--data` flag into a data-source config object (validated later with the client config):
 * `mnist` (the bundled digits, optionally partitioned), `csv:PATH` (read against `--schema` when given), or
 * `idx:IMAGES,LABELS`.
 * @throws {ConfigError} for an unknown form, `--schema` with data other than a CSV, or `--label-column` or
 *         `--feature-scale` beside `--schema` (the schema names the label column and scales the features).
 */
export function parseDataSpec(spec: string, flags: PartitionFlags): Record<string, unknown> {
  const [kind, rest = ''] = [spec.split(':', 1)[0]!, spec.slice(spec.indexOf(':') + 1)];
  if (flags.schema !== undefined) checkSchemaFlags(kind, flags);
  if (kind === 'mnist') {
    if ((flags.numPartitions === undefined) !== (flags.partitionIndex === undefined)) {
      throw new ConfigError(
        '--num-partitions and --partition-index go together: give both (this site holds share i of n) or neither (all 8,000 digits)',
        {
          field: flags.numPartitions === undefined ? 'numPartitions' : 'partitionIndex',
        },
      );
    }
    const partition =
      flags.numPartitions === undefined
        ? undefined
        : {
            numPartitions: flags.numPartitions,
            index: flags.partitionIndex,
            alpha: flags.alpha ?? 0.5,
            seed: flags.partitionSeed ?? 0,
          };
    return { kind: 'mnist', split: 'train', ...(partition && { partition }) };
  }
  if (kind === 'csv' && rest)
    return {
      kind: 'csv',
      path: rest,
      schema: flags.schema,
      labelColumn: flags.labelColumn,
      featureScale: flags.featureScale,
    };
  const idxPaths = rest.split(',');
  if (kind === 'idx' && idxPaths.length === 2 && idxPaths.every(Boolean))
    return { kind: 'idx', images: idxPaths[0], labels: idxPaths[1] };
  throw new ConfigError(`--data "${spec}": expected mnist, csv:PATH or idx:IMAGES,LABELS`, { field: 'data' });
}

/** `--schema` reads a CSV against the run's data schema, which names the label column and scales the features. */
function checkSchemaFlags(kind: string, flags: PartitionFlags): void {
  if (kind !== 'csv')
    throw new ConfigError(`--schema reads a CSV table (--data csv:PATH), not --data ${kind}`, { field: 'schema' });
  for (const [flag, field] of [
    ['--label-column', 'labelColumn'],
    ['--feature-scale', 'featureScale'],
  ] as const) {
    if (flags[field] !== undefined)
      throw new ConfigError(
        `${flag} and --schema do not go together: the schema names the label column and scales the features`,
        { field },
      );
  }
}
