import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Writes a file so that a crash leaves either the old file or the complete new one: `parts` go to a hidden temporary
 * file beside it (`.<name>.tmp`), which is fsynced and renamed over `path`, then the directory is fsynced.
 * @param parts the file's contents in order (strings as UTF-8).
 * @param mode permission bits of a newly created file (e.g. 0o600 for secrets). @default 0o644
 * @throws the file-system error (the temporary file may be left behind).
 */
export function writeFileAtomic(path: string, parts: readonly (string | Uint8Array)[], mode = 0o644): void {
  const tmp = join(dirname(path), `.${basename(path)}.tmp`);
  const fd = openSync(tmp, 'w', mode);
  try {
    for (const part of parts) writeSync(fd, typeof part === 'string' ? Buffer.from(part, 'utf8') : part);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  const dir = openSync(dirname(path), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}
