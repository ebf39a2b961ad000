import { inputSizeOf, type ModelArtifact } from '../../shared/models/index.js';
import { encodedWidth, type DataSchema } from '../../shared/tabular/index.js';

/**
 * Why a run's model cannot take the rows of its data schema (pure): the model's input holds another number of values
 * than an encoded row (encodedWidth), or it predicts another number of classes than the schema names; undefined when
 * it fits. The message names both fields, `model` and `schema`.
 */
export function modelSchemaMismatch(
  artifact: Pick<ModelArtifact, 'ref' | 'inputShape' | 'numClasses'>,
  schema: DataSchema,
): string | undefined {
  const width = encodedWidth(schema);
  const classes = schema.label.classes.length;
  const input = inputSizeOf(artifact);
  if (input === width && artifact.numClasses === classes) return undefined;
  return (
    `model "${artifact.ref}" takes ${input} values per example ([${artifact.inputShape.join(', ')}]) and predicts ` +
    `${artifact.numClasses} classes; the run's schema encodes a row as ${width} values (numeric columns once, ` +
    `categorical ones one-hot) and names ${classes} classes`
  );
}
