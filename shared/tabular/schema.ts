import { sha256Hex } from '../codec/index.js';
import { z } from 'zod';
import { parseWith, readJsonFile } from '../config/index.js';
import { isMissing } from './missing.js';

/** A header name: cells are trimmed, so a name with outer spaces could never match. */
const columnName = z
  .string()
  .min(1)
  .refine((s) => s === s.trim(), 'must not start or end with spaces (header cells are trimmed)');

/** A category or class name: what a trimmed, non-missing cell equals. */
const cellValue = z.string().superRefine((s, ctx) => {
  if (s !== s.trim())
    ctx.addIssue({ code: 'custom', message: 'must not start or end with spaces (cells are trimmed)' });
  else if (isMissing(s)) ctx.addIssue({ code: 'custom', message: `"${s}" is a missing-value marker, not a value` });
});

/** A superRefine of a list: each entry whose key repeats an earlier entry's is reported at its index (and `field`). */
function noRepeats<T>(key: (entry: T) => string, field?: string) {
  return (list: T[], ctx: z.RefinementCtx<T[]>) => {
    const keys = list.map(key);
    keys.forEach((k, i) => {
      const first = keys.indexOf(k);
      if (first < i) {
        ctx.addIssue({ code: 'custom', path: field ? [i, field] : [i], message: `"${k}" repeats entry ${first}` });
      }
    });
  };
}

/** A list of at least `min` distinct cell values. */
function distinctValues(what: string, min: number) {
  return z
    .array(cellValue)
    .min(min, `needs at least ${min} ${what}`)
    .superRefine(noRepeats((v) => v));
}

const featureSchema = z.discriminatedUnion('kind', [
  z.object({ name: columnName, kind: z.literal('numeric') }).strict(),
  z.object({ name: columnName, kind: z.literal('categorical'), categories: distinctValues('category', 1) }).strict(),
]);

/**
 * A run's data schema (README "Bring your own model and data"): the feature columns a site's table must have (numeric,
 * or categorical with its categories), the label column and its class names (labels may be words or integers, mapped
 * to indices 0..K−1 in the list's order on every site), the missing-value policy and the standardisation switch.
 * JSON form:
 * `{"features": [{"name": "Body Mass (g)", "kind": "numeric"}, {"name": "Island", "kind": "categorical",
 *   "categories": ["Biscoe", "Dream", "Torgersen"]}], "label": {"column": "Species", "classes": ["Adelie", …]},
 *   "missing": "error" | "drop" | "impute-mean", "standardize": true, "minSiteRows": 10}`
 * Refused: unknown keys, no feature, a repeated feature name, the label column listed as a feature, an empty or
 * repeated category, fewer than 2 classes or a repeated class, a category or class that is a missing-value marker.
 * Its output is a {@link DataSchema}; a run config embeds it as its `schema` field.
 */
export const dataSchemaSchema = z
  .object({
    features: z
      .array(featureSchema)
      .min(1, 'needs at least 1 feature')
      .superRefine(noRepeats((f) => f.name, 'name')),
    label: z.object({ column: columnName, classes: distinctValues('classes', 2) }).strict(),
    missing: z.enum(['error', 'drop', 'impute-mean']).default('error'),
    standardize: z.boolean().default(true),
    minSiteRows: z.number().int().min(1).default(10),
  })
  .strict()
  .superRefine((s, ctx) => {
    const asFeature = s.features.findIndex((f) => f.name === s.label.column);
    if (asFeature >= 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['label', 'column'],
        message: `"${s.label.column}" is also features.${asFeature}: the label cannot be an input`,
      });
    }
  });

/** A validated data schema (defaults applied: missing "error", standardize true, minSiteRows 10). */
export interface DataSchema {
  readonly features: readonly FeatureColumn[];
  readonly label: { readonly column: string; readonly classes: readonly string[] };
  readonly missing: MissingPolicy;
  readonly standardize: boolean;
  readonly minSiteRows: number;
}
export type FeatureColumn = NumericColumn | CategoricalColumn;
export type NumericColumn = { readonly name: string; readonly kind: 'numeric' };
export type CategoricalColumn = {
  readonly name: string;
  readonly kind: 'categorical';
  readonly categories: readonly string[];
};
export type MissingPolicy = 'error' | 'drop' | 'impute-mean';

/**
 * Validates a schema object and freezes it.
 * @param what names the schema in the message. @default "data schema"
 * @throws {ConfigError} naming every bad field by its path (`features.2.categories.1: "Dream" repeats entry 0`;
 *         inside a run config the same field is `schema.features.2.categories.1`).
 */
export function parseDataSchema(input: unknown, what = 'data schema'): DataSchema {
  return parseWith(dataSchemaSchema, input, what);
}

/** Reads and validates a schema JSON file. @throws {ConfigError} naming the file and the field. */
export function loadDataSchema(path: string): DataSchema {
  return parseDataSchema(readJsonFile(path, 'data schema'), `data schema ${path}`);
}

/** Canonical JSON text of a schema (what RunSpec.schema_json carries): object keys sorted, arrays in order. */
export function schemaJson(schema: DataSchema): string {
  return JSON.stringify(sortKeys(schema));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1));
  return Object.fromEntries(entries.map(([k, v]) => [k, sortKeys(v)]));
}

/** Hex SHA-256 of the schema's canonical JSON (keys sorted, defaults applied): equal on all sites for equal schemas. */
export function schemaSha256(schema: DataSchema): string {
  return sha256Hex(new TextEncoder().encode(schemaJson(schema)));
}

/** Values per encoded row: 1 per numeric column, one per category of each categorical column (one-hot). */
export function encodedWidth(schema: DataSchema): number {
  return schema.features.reduce((w, f) => w + (f.kind === 'numeric' ? 1 : f.categories.length), 0);
}

/** The schema's numeric features, in its order (the columns of Table.numeric and SiteSums.numeric). */
export function numericColumns(schema: DataSchema): NumericColumn[] {
  return schema.features.filter((f): f is NumericColumn => f.kind === 'numeric');
}

/** The schema's categorical features, in its order (the columns of Table.categorical and SiteSums.categorical). */
export function categoricalColumns(schema: DataSchema): CategoricalColumn[] {
  return schema.features.filter((f): f is CategoricalColumn => f.kind === 'categorical');
}
