/** JetStream stream that holds round announcements (created by the coordinator). */
export const ROUNDS_STREAM = 'FEDSIFT_ROUNDS';
/** Subject prefix of round announcements; one run's go to `fedsift.rounds.<runId>` as JSON RoundAnnouncement. */
export const ROUNDS_SUBJECT_PREFIX = 'fedsift.rounds';

/** Subject of one run's announcements. */
export function roundsSubject(runId: string): string {
  return `${ROUNDS_SUBJECT_PREFIX}.${runId}`;
}
