/** Pacing functions: the share of local samples a curriculum admits at round t of T. */
export type PacingFunction = 'linear' | 'root' | 'geometric';

/** Parameters of a pacing function. */
export interface Pacing {
  kind: PacingFunction;
  /** b: share admitted at round 0, in (0, 1]. */
  startFraction: number;
  /** a: share of the rounds after which every sample is admitted, in (0, 1]. */
  fullAt: number;
}

/**
 * Curriculum stage of round t ∈ [0, T]: the admitted share g(t) ∈ [b, 1], with s = min(1, t/(a·T)):
 * - linear:    g = b + (1 − b)·s
 * - root:      g = b + (1 − b)·√s
 * - geometric: g = b·(1/b)^s (grows by a constant factor per round; Hacohen & Weinshall's fixed exponential pacing
 *   in continuous form)
 * @see Hacohen & Weinshall 2019, "On the Power of Curriculum Learning in Training Deep Networks", Sec. 2 (pacing
 *      functions); Wu, Dyer & Neyshabur 2021, "When Do Curricula Work?", App. (linear, root).
 * @throws {RangeError} for b or a outside (0, 1], T < 1 or t < 0.
 */
export function curriculumStage(p: Pacing, round: number, totalRounds: number): number {
  const { startFraction: b, fullAt: a } = p;
  if (!(b > 0 && b <= 1)) throw new RangeError(`pacing startFraction must be in (0, 1], got ${b}`);
  if (!(a > 0 && a <= 1)) throw new RangeError(`pacing fullAt must be in (0, 1], got ${a}`);
  if (!(totalRounds >= 1) || !(round >= 0))
    throw new RangeError(`pacing needs round ≥ 0 and totalRounds ≥ 1, got ${round}/${totalRounds}`);
  const s = Math.min(1, round / (a * totalRounds));
  switch (p.kind) {
    case 'linear':
      return b + (1 - b) * s;
    case 'root':
      return b + (1 - b) * Math.sqrt(s);
    case 'geometric':
      return Math.min(1, b * Math.pow(1 / b, s));
  }
}
