import { DataError } from '../errors/index.js';
import { dirichlet, shuffleInPlace, type Rng } from '../random/index.js';

/**
 * Splits example indices across `numClients` clients with label skew: for every class c, proportions
 * p_c ~ Dir(α·1_K) over the K clients, and class c's (shuffled) examples are cut by those proportions.
 * Small α → each client sees few classes; α → ∞ → IID. Draws again (up to 1,000 times) until every client holds at
 * least `minPerClient` examples, the usual guard in the reference implementation.
 * @see Hsu, Qi & Brown 2019, "Measuring the Effects of Non-Identical Data Distribution for Federated Visual
 *      Classification", Sec. 3 (Dirichlet label partition).
 * @returns one index array per client (disjoint; together all indices 0..labels.length-1).
 * @throws {DataError} when α ≤ 0, numClients < 1, or no draw satisfies minPerClient.
 */
export function dirichletPartition(
  labels: ArrayLike<number>,
  numClasses: number,
  numClients: number,
  alpha: number,
  rng: Rng,
  minPerClient = 10,
): number[][] {
  if (!(alpha > 0)) throw new DataError(`dirichlet partition: alpha must be > 0, got ${alpha}`);
  if (!(Number.isInteger(numClients) && numClients >= 1))
    throw new DataError(`dirichlet partition: numClients must be a positive integer, got ${numClients}`);
  if (minPerClient * numClients > labels.length) {
    throw new DataError(
      `dirichlet partition: ${labels.length} examples cannot give ${numClients} clients ${minPerClient} each`,
    );
  }
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  for (let i = 0; i < labels.length; i++) byClass[labels[i]!]!.push(i);
  for (let attempt = 0; attempt < 1000; attempt++) {
    const parts: number[][] = Array.from({ length: numClients }, () => []);
    for (const idx of byClass) {
      const shuffled = shuffleInPlace(rng, idx.slice());
      const p = dirichlet(rng, alpha, numClients);
      let start = 0,
        acc = 0;
      p.forEach((pk, k) => {
        acc += pk;
        const end = k === numClients - 1 ? shuffled.length : Math.round(acc * shuffled.length);
        parts[k]!.push(...shuffled.slice(start, end));
        start = end;
      });
    }
    if (parts.every((p) => p.length >= minPerClient)) return parts.map((p) => p.sort((a, b) => a - b));
  }
  throw new DataError(`dirichlet partition: no draw gave every client ${minPerClient} examples (alpha ${alpha})`);
}

/**
 * Splits example indices 0 … numExamples−1 across `numClients` clients uniformly at random (IID): one seeded shuffle,
 * cut into parts whose sizes differ by at most one.
 * @returns one sorted index array per client (disjoint; together all indices).
 * @throws {DataError} when numClients is not an integer in [1, numExamples].
 */
export function iidPartition(numExamples: number, numClients: number, rng: Rng): number[][] {
  if (!(Number.isInteger(numClients) && numClients >= 1 && numClients <= numExamples)) {
    throw new DataError(`iid partition: numClients must be an integer in [1, ${numExamples}], got ${numClients}`);
  }
  const order = shuffleInPlace(
    rng,
    Array.from({ length: numExamples }, (_, i) => i),
  );
  return Array.from({ length: numClients }, (_, k) =>
    order
      .slice(Math.floor((k * numExamples) / numClients), Math.floor(((k + 1) * numExamples) / numClients))
      .sort((a, b) => a - b),
  );
}
