/**
 * The federation a coordinator serves, and the NATS names derived from it. Several federations may share one NATS
 * cluster: each publishes on subjects of its own and keeps its announcements in a JetStream stream of its own, so a
 * client hears only its coordinator's rounds. A site learns its coordinator's federation id from the JoinResponse.
 */

/** Federation id of a coordinator configured with none, and of a peer that names none (an older build). */
export const DEFAULT_FEDERATION_ID = 'default';

/**
 * What a federation id may be: 1 to 64 ASCII letters, digits, `-` or `_`. It becomes one token of NATS subjects and
 * part of a JetStream stream name, so it can hold no `.`, wildcard (`*`, `>`) or white space.
 */
export const FEDERATION_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Why `id` cannot be a federation id, or undefined when it can. */
export function federationIdProblem(id: string): string | undefined {
  return FEDERATION_ID_PATTERN.test(id)
    ? undefined
    : `must be 1 to 64 letters, digits, "-" or "_" (it names NATS subjects and a JetStream stream), got ${JSON.stringify(id)}`;
}

/** The federation a peer states: '' (an older build that sends none) is the default one. */
export function federationOf(stated: string | undefined): string {
  return stated || DEFAULT_FEDERATION_ID;
}

/** JetStream stream of one federation's round announcements (created by its coordinator): `FEDSIFT_ROUNDS_<id>`. */
export function roundsStream(federationId: string): string {
  return `FEDSIFT_ROUNDS_${federationId}`;
}

/** Subjects of one federation's announcements, the stream's and a client's filter: `fedsift.<id>.rounds.>`. */
export function roundsSubjects(federationId: string): string {
  return `fedsift.${federationId}.rounds.>`;
}

/** Subject of one run's announcements (JSON RoundAnnouncement): `fedsift.<federation id>.rounds.<run id>`. */
export function roundsSubject(federationId: string, runId: string): string {
  return `fedsift.${federationId}.rounds.${runId}`;
}
