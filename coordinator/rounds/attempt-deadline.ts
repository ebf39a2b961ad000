import type { RunConfig } from '../config/index.js';

/**
 * How long attempt `attempt` of a round stays open (ms). With `config.adaptiveDeadline`, a first attempt after a
 * completed round gets factor × `previousSlowestMs` (the time the previous round's slowest accepted update took from
 * its attempt's announcement), clamped to [minMs, roundDeadlineMs]: rounds close soon after the usual sites answered
 * instead of waiting out a deadline sized for the worst case. Round 1, later attempts (the quorum was missed, so the
 * sites need more time) and runs without it get roundDeadlineMs.
 * @param previousSlowestMs undefined before the first completed round.
 */
export function attemptDeadlineMs(
  config: Pick<RunConfig, 'roundDeadlineMs' | 'adaptiveDeadline'>,
  attempt: number,
  previousSlowestMs: number | undefined,
): number {
  const { roundDeadlineMs, adaptiveDeadline } = config;
  if (!adaptiveDeadline || attempt > 1 || previousSlowestMs === undefined) return roundDeadlineMs;
  const adapted = Math.ceil(adaptiveDeadline.factor * previousSlowestMs);
  return Math.min(roundDeadlineMs, Math.max(adaptiveDeadline.minMs, adapted));
}
