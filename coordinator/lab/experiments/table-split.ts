import { dirichletPartition } from '../../../shared/data/index.js';
import { ConfigError } from '../../../shared/errors/index.js';
import { createRng, deriveSeed, shuffleInPlace } from '../../../shared/random/index.js';

/** A table's rows split for a federation: the header, the coordinator's held-out rows and one share per site. */
export interface TableSplit {
  header: string[];
  /** Held-out rows of the coordinator's test table. */
  test: string[][];
  /** shares[i]: the rows of site i. */
  shares: string[][][];
}

/**
 * Splits a CSV's raw rows (pure, seeded): a seeded `testShare` of the data rows held out for the coordinator, the rest
 * cut by a Dirichlet(α) partition over the label column (the schema's class order; a row whose label is not a class —
 * a missing one, which the daemon drops — counts as one more class) into `clients` shares. Rows stay whole (every
 * cell as read) and every data row lands in exactly one part; blank lines are skipped.
 * @param rows the CSV's rows as readCsvRows gives them, the header first.
 * @throws {ConfigError} (field `data`) for no header or no label column; (field `clients`) when the partition is
 *         impossible (fewer than 10 training rows per client, see dirichletPartition).
 */
export function splitTableRows(
  rows: readonly string[][],
  label: { readonly column: string; readonly classes: readonly string[] },
  o: { clients: number; alpha: number; seed: number; testShare: number },
): TableSplit {
  const [header, ...data] = rows.filter((r) => !(r.length === 1 && r[0] === ''));
  if (!header) throw new ConfigError('--data: the CSV is empty', { field: 'data' });
  const labelIdx = header.findIndex((h) => h.trim() === label.column);
  if (labelIdx < 0) throw new ConfigError(`--data: no label column "${label.column}"`, { field: 'data' });
  const shuffled = shuffleInPlace(createRng(deriveSeed(o.seed, 'test-split')), data.slice());
  const testCount = Math.round(shuffled.length * o.testShare);
  const train = shuffled.slice(testCount);
  const classOf = (row: readonly string[]) => {
    const c = label.classes.indexOf((row[labelIdx] ?? '').trim());
    return c < 0 ? label.classes.length : c;
  };
  let parts: number[][];
  try {
    parts = dirichletPartition(
      train.map(classOf),
      label.classes.length + 1,
      o.clients,
      o.alpha,
      createRng(deriveSeed(o.seed, 'partition')),
    );
  } catch (err) {
    throw new ConfigError(`--clients ${o.clients}: ${(err as Error).message}; use fewer clients or a larger --alpha`, {
      field: 'clients',
      cause: err,
    });
  }
  return { header, test: shuffled.slice(0, testCount), shares: parts.map((idx) => idx.map((i) => train[i]!)) };
}
