import type { z } from 'zod';

/**
 * SPINE STUB (issue 15) — helper H1 implements this file. Signatures and docs are the contract other modules code to.
 *
 * A run's data schema (README "Bring your own model and data"): the feature columns a site's table must have (numeric,
 * or categorical with its categories), the label column and its class names (labels may be words or integers, mapped
 * to indices 0..K−1 in the list's order on every site), the missing-value policy and the standardisation switch.
 * JSON form:
 * `{"features": [{"name": "Body Mass (g)", "kind": "numeric"}, {"name": "Island", "kind": "categorical",
 *   "categories": ["Biscoe", "Dream", "Torgersen"]}], "label": {"column": "Species", "classes": ["Adelie", …]},
 *   "missing": "error" | "drop" | "impute-mean", "standardize": true, "minSiteRows": 10}`
 */
export declare const dataSchemaSchema: z.ZodType;

/** A validated data schema (defaults applied: missing "error", standardize true, minSiteRows 10). */
export interface DataSchema {
  readonly features: readonly FeatureColumn[];
  readonly label: { readonly column: string; readonly classes: readonly string[] };
  readonly missing: MissingPolicy;
  readonly standardize: boolean;
  readonly minSiteRows: number;
}
export type FeatureColumn =
  | { readonly name: string; readonly kind: 'numeric' }
  | { readonly name: string; readonly kind: 'categorical'; readonly categories: readonly string[] };
export type MissingPolicy = 'error' | 'drop' | 'impute-mean';

/** Validates a schema object. @throws {ConfigError} naming every bad field (e.g. `schema.features.2.categories`). */
export declare function parseDataSchema(input: unknown, what?: string): DataSchema;
/** Reads and validates a schema JSON file. @throws {ConfigError} naming the file and the field. */
export declare function loadDataSchema(path: string): DataSchema;
/** Hex SHA-256 of the schema's canonical JSON (keys sorted, defaults applied): equal on every site for equal schemas. */
export declare function schemaSha256(schema: DataSchema): string;
/** Canonical JSON text of a schema (what RunSpec.schema_json carries). */
export declare function schemaJson(schema: DataSchema): string;
/** Values per encoded row: 1 per numeric column, one per category of each categorical column (one-hot). */
export declare function encodedWidth(schema: DataSchema): number;
