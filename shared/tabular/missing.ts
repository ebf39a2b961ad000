/**
 * Cells that stand for a missing value (after trimming): empty, NA, N/A, null, NULL, NaN, ?.
 */
export const MISSING_MARKERS: readonly string[] = Object.freeze(['', 'NA', 'N/A', 'null', 'NULL', 'NaN', '?']);

const markers = new Set(MISSING_MARKERS);

/** Whether a cell (already trimmed) is a missing-value marker. */
export function isMissing(cell: string): boolean {
  return markers.has(cell);
}
