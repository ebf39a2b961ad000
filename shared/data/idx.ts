import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { DataError } from '../errors/index.js';
import { labelClassCount, type Dataset } from './dataset.js';

/** A decoded IDX array: unsigned bytes with their dimensions. */
export interface IdxArray {
  readonly dims: number[];
  readonly data: Uint8Array;
}

/**
 * Decodes an IDX file (the format of the original MNIST distribution, LeCun et al.): magic 0x0000, type byte 0x08
 * (unsigned byte), number of dimensions, big-endian uint32 sizes, then the data. Only the ubyte type is supported.
 * @throws {DataError} for a bad magic number, another element type or a truncated body.
 */
export function decodeIdx(bytes: Uint8Array, source = 'IDX'): IdxArray {
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0)
    throw new DataError(`${source}: not an IDX file (bad magic number)`);
  if (bytes[2] !== 0x08)
    throw new DataError(`${source}: element type 0x${bytes[2]!.toString(16)} not supported (only 0x08 unsigned byte)`);
  const ndims = bytes[3]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 4 + 4 * ndims) throw new DataError(`${source}: header truncated`);
  const dims = Array.from({ length: ndims }, (_, i) => view.getUint32(4 + 4 * i, false));
  const size = dims.reduce((a, b) => a * b, 1);
  const start = 4 + 4 * ndims;
  if (bytes.length - start !== size)
    throw new DataError(
      `${source}: body has ${bytes.length - start} bytes, dimensions [${dims.join('×')}] need ${size}`,
    );
  return { dims, data: bytes.subarray(start) };
}

/** Reads an IDX file, gunzipping it first when the name ends in `.gz`. @throws {DataError} when unreadable. */
export function readIdx(path: string): IdxArray {
  let raw: Uint8Array;
  try {
    raw = readFileSync(path);
    if (path.endsWith('.gz')) raw = gunzipSync(raw);
  } catch (err) {
    throw new DataError(`cannot read IDX file ${path}: ${(err as Error).message}`, { cause: err });
  }
  return decodeIdx(raw, path);
}

/**
 * Builds a dataset from an IDX images file ([n × rows × cols] bytes, scaled to [0, 1] by /255; numFeatures = rows ·
 * cols, as a model's input H·W·C flattened) and an IDX labels file ([n] bytes).
 * @param numClasses classes of the model the data feeds; undefined = not known yet: the dataset's numClasses is then
 *        1 + the largest label (labelClassCount).
 * @throws {DataError} when counts differ or a label is outside [0, numClasses).
 */
export function idxToDataset(images: IdxArray, labelsIdx: IdxArray, numClasses?: number): Dataset {
  const n = images.dims[0] ?? 0;
  if (labelsIdx.dims.length !== 1 || labelsIdx.dims[0] !== n) {
    throw new DataError(`IDX: ${n} images but labels have dimensions [${labelsIdx.dims.join('×')}]`);
  }
  const numFeatures = images.dims.slice(1).reduce((a, b) => a * b, 1);
  const features = new Float32Array(images.data.length);
  for (let i = 0; i < features.length; i++) features[i] = images.data[i]! / 255;
  const labels = Int32Array.from(labelsIdx.data);
  if (numClasses === undefined) return { features, labels, numFeatures, numClasses: labelClassCount(labels) };
  const bad = labels.findIndex((y) => y >= numClasses);
  if (bad >= 0) throw new DataError(`IDX: label ${labels[bad]} of example ${bad} is outside [0, ${numClasses})`);
  return { features, labels, numFeatures, numClasses };
}
