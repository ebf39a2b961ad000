import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Dataset } from '../../shared/data/index.js';

/**
 * Writes `ds` (features in [0, 1]) as an IDX pair in `dir` — `<name>-images.idx` ([n × rows × cols] unsigned bytes,
 * ×255 rounded) and `<name>-labels.idx` ([n] bytes) — the format of the original MNIST files (LeCun et al.).
 * @returns the two paths, as `idx:IMAGES,LABELS` wants them.
 */
export function writeIdxPair(dir: string, name: string, ds: Dataset, rows: number, cols: number): [string, string] {
  const n = ds.labels.length;
  const images = join(dir, `${name}-images.idx`);
  const labels = join(dir, `${name}-labels.idx`);
  writeFileSync(
    images,
    idx(
      [n, rows, cols],
      Uint8Array.from(ds.features, (v) => Math.round(v * 255)),
    ),
  );
  writeFileSync(labels, idx([n], Uint8Array.from(ds.labels)));
  return [images, labels];
}

/** IDX bytes: magic 0x0000, type 0x08 (unsigned byte), the dimension count, big-endian sizes, then the data. */
function idx(dims: number[], data: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt8(0x08, 2);
  header.writeUInt8(dims.length, 3);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, data]);
}
