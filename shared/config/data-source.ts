import { z } from 'zod';

/** The bundled real MNIST digits; `partition` gives this site its Dirichlet share of the 8,000 training digits. */
const mnistSource = z
  .object({
    kind: z.literal('mnist'),
    split: z.enum(['train', 'test']).default('train'),
    partition: z
      .object({
        numPartitions: z.number().int().min(1),
        index: z.number().int().min(0),
        alpha: z.number().positive().default(0.5),
        seed: z.number().int().default(0),
      })
      .strict()
      .refine((p) => p.index < p.numPartitions, { message: 'index must be < numPartitions', path: ['index'] })
      .optional(),
  })
  .strict();

/** A CSV file with a header row, numeric feature columns and an integer label column. */
const csvSource = z
  .object({
    kind: z.literal('csv'),
    path: z.string().min(1),
    labelColumn: z.string().min(1).default('label'),
    featureScale: z.number().positive().default(1),
  })
  .strict();

/** An IDX pair (as in the original MNIST files), optionally gzipped. */
const idxSource = z.object({ kind: z.literal('idx'), images: z.string().min(1), labels: z.string().min(1) }).strict();

/** Where a site's (or the coordinator's test) data comes from. */
export const dataSourceSchema = z.discriminatedUnion('kind', [mnistSource, csvSource, idxSource]);
export type DataSourceConfig = z.output<typeof dataSourceSchema>;
