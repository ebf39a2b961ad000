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

/**
 * A CSV file with a header row. Without `schema`: numeric feature columns and an integer label column (`labelColumn`,
 * default "label"; every feature multiplied by `featureScale`, default 1). With `schema` (the path of the run's data
 * schema JSON, README "Bring your own model and data"): the columns, label and missing-value policy the schema
 * declares — `labelColumn` and `featureScale` do not apply and are refused beside it.
 */
const csvSource = z
  .object({
    kind: z.literal('csv'),
    path: z.string().min(1),
    schema: z.string().min(1).optional(),
    labelColumn: z.string().min(1).optional(),
    featureScale: z.number().positive().optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    for (const field of ['labelColumn', 'featureScale'] as const) {
      if (c.schema !== undefined && c[field] !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: [field],
          message: `does not go with schema: the schema names the label column and scales the features`,
        });
    }
  });

/** An IDX pair (as in the original MNIST files), optionally gzipped. */
const idxSource = z.object({ kind: z.literal('idx'), images: z.string().min(1), labels: z.string().min(1) }).strict();

/** Where a site's (or the coordinator's test) data comes from. */
export const dataSourceSchema = z.discriminatedUnion('kind', [mnistSource, csvSource, idxSource]);
export type DataSourceConfig = z.output<typeof dataSourceSchema>;
