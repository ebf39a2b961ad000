import { ConfigError } from '../../shared/errors/index.js';

/** Partition flags of `fedsift client` (only for the bundled MNIST digits). */
export interface PartitionFlags {
  partitionIndex?: number;
  numPartitions?: number;
  alpha?: number;
  partitionSeed?: number;
  labelColumn?: string;
  featureScale?: number;
}

/**
 * Turns the `--data` flag into a data-source config object (validated later with the client config):
 * `mnist` (the bundled digits, optionally partitioned), `csv:PATH`, or `idx:IMAGES,LABELS`.
 * @throws {ConfigError} for an unknown form.
 */
export function parseDataSpec(spec: string, flags: PartitionFlags): Record<string, unknown> {
  const [kind, rest = ''] = [spec.split(':', 1)[0]!, spec.slice(spec.indexOf(':') + 1)];
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
      labelColumn: flags.labelColumn ?? 'label',
      featureScale: flags.featureScale ?? 1,
    };
  const idxPaths = rest.split(',');
  if (kind === 'idx' && idxPaths.length === 2 && idxPaths.every(Boolean))
    return { kind: 'idx', images: idxPaths[0], labels: idxPaths[1] };
  throw new ConfigError(`--data "${spec}": expected mnist, csv:PATH or idx:IMAGES,LABELS`, { field: 'data' });
}
