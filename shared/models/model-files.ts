import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { LayersModel, io } from '@tensorflow/tfjs';
import { runConfigError, type ConfigError } from '../errors/index.js';

/** What a model.json and its weight files hold, ready for `tf.io.fromMemory`. */
export interface ModelFiles {
  /** The model.json's `modelTopology`, as written (a Keras converter's still wrapped in `model_config`). */
  readonly modelTopology: unknown;
  /** Every weight group's specs, in manifest order. */
  readonly weightSpecs: io.WeightsManifestEntry[];
  /** The weight files' bytes, concatenated in manifest order (groups, then each group's paths). */
  readonly weightData: ArrayBuffer;
}

/** The error for a run's model that cannot be used: ConfigError, field "model", in runConfigError's layout. */
export const refuseModel = (message: string, cause?: unknown): ConfigError => runConfigError('model', message, cause);

async function readOrRefuse(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw refuseModel(`cannot read ${what} ${path}: ${(err as Error).message}`, err);
  }
}

/** One weightsManifest group: weight files (concatenated in order) and the specs of the tensors they hold. */
type WeightGroup = io.WeightsManifestConfig[number];

function isWeightGroup(g: unknown): g is WeightGroup {
  const { paths, weights } = (g ?? {}) as Partial<Record<keyof WeightGroup, unknown>>;
  return Array.isArray(paths) && paths.every((p) => typeof p === 'string') && Array.isArray(weights);
}

/**
 * Reads a tfjs Layers model.json (format "layers-model", as `model.save('file://…')` and the Keras-to-tfjs converter
 * write it) and the weight files its `weightsManifest` names, relative to the model.json's folder.
 * @throws {ConfigError} field "model", naming the file that is missing or unreadable, a model.json that is not JSON,
 *         has no modelTopology or weightsManifest, or is a graph model.
 */
export async function readModelFiles(path: string): Promise<ModelFiles> {
  const text = (await readOrRefuse(path, 'model.json')).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw refuseModel(`${path} is not JSON: ${(err as Error).message}`, err);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw refuseModel(`${path} is not a JSON object`);
  const model = json as Record<string, unknown>;
  if (model.format !== undefined && model.format !== 'layers-model')
    throw refuseModel(
      `${path} has format "${String(model.format)}"; fedsift trains tfjs Layers models ("layers-model")`,
    );
  if (model.modelTopology === undefined || model.modelTopology === null)
    throw refuseModel(`${path} has no modelTopology (is it a tfjs Layers model.json?)`);
  const groups: unknown = model.weightsManifest;
  if (!Array.isArray(groups) || !groups.every(isWeightGroup))
    throw refuseModel(`${path} has no valid weightsManifest (a list of {paths, weights} groups naming weight files)`);
  const buffers: Buffer[] = [];
  for (const group of groups)
    for (const p of group.paths) buffers.push(await readOrRefuse(join(dirname(path), p), 'weight file'));
  const all = Buffer.concat(buffers);
  return {
    modelTopology: model.modelTopology,
    weightSpecs: groups.flatMap((g) => g.weights),
    weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer,
  };
}

/**
 * Writes `model` as model.json + weights.bin in `dir` (created if missing) the way tfjs-node's
 * `model.save('file://dir')` does: model.json holds modelTopology, format "layers-model", generatedBy, convertedBy
 * (null), weightsManifest `[{paths: ["weights.bin"], weights}]` and the training config of a compiled model;
 * weights.bin the weight values in manifest order. @returns the model.json path.
 */
export async function saveModelFiles(model: LayersModel, dir: string): Promise<string> {
  const modelJsonPath = join(dir, 'model.json');
  await mkdir(dir, { recursive: true });
  await model.save({
    save: async (artifacts: io.ModelArtifacts): Promise<io.SaveResult> => {
      const data = artifacts.weightData ?? [];
      const weights = Buffer.concat((Array.isArray(data) ? data : [data]).map((b) => new Uint8Array(b)));
      await writeFile(join(dir, 'weights.bin'), weights);
      const modelJson = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
        ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
      };
      await writeFile(modelJsonPath, JSON.stringify(modelJson), 'utf8');
      return {
        modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weights.length },
      };
    },
  });
  return modelJsonPath;
}
