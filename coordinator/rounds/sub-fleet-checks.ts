import {
  MAX_SUB_FLEET_CLIENT_ID_CHARS,
  MAX_SUB_FLEET_FAILURES,
  MAX_SUB_FLEET_REASON_CHARS,
} from '../../shared/contract/index.js';
import { InvalidUpdateError } from '../../shared/errors/index.js';
import type { UpdateHeader } from '../../shared/proto/index.js';

/**
 * Checks UpdateHeader.sub_fleet against who sent the update: an aggregator's update (capabilities.aggregator) must
 * say what it stands for — clients an integer ≥ 1, failed an integer ≥ the failures listed, at most
 * MAX_SUB_FLEET_FAILURES of them, each with a client id of 1 to MAX_SUB_FLEET_CLIENT_ID_CHARS characters and a reason
 * of at most MAX_SUB_FLEET_REASON_CHARS — and a site's must not carry it. The bounds keep what the coordinator holds
 * of a sub-fleet to these counts and a short list, however many clients stand behind an aggregator.
 * @throws {InvalidUpdateError} naming sub_fleet and the first problem.
 */
export function checkSubFleet(h: UpdateHeader, aggregator: boolean, ctx: { clientId: string; round: number }): void {
  const refuse = (why: string) => new InvalidUpdateError(`sub_fleet: ${why}`, ctx);
  const s = h.subFleet;
  if (!aggregator) {
    if (s) throw refuse('only an aggregator (Join capabilities.aggregator) sends an update standing for a sub-fleet');
    return;
  }
  if (!s) throw refuse("missing: an aggregator's update must say how many client updates it folds");
  if (!(Number.isSafeInteger(s.clients) && s.clients >= 1))
    throw refuse(`clients must be an integer ≥ 1 (client updates folded), got ${s.clients}`);
  const listed = s.failures.length;
  if (listed > MAX_SUB_FLEET_FAILURES)
    throw refuse(`${listed} failures listed, at most ${MAX_SUB_FLEET_FAILURES} (the rest are only counted in failed)`);
  if (!(Number.isSafeInteger(s.failed) && s.failed >= listed))
    throw refuse(`failed must be an integer ≥ the ${listed} failures listed, got ${s.failed}`);
  s.failures.forEach((f, i) => {
    if (!f.clientId || f.clientId.length > MAX_SUB_FLEET_CLIENT_ID_CHARS)
      throw refuse(`failures[${i}].client_id must have 1 to ${MAX_SUB_FLEET_CLIENT_ID_CHARS} characters`);
    if (f.reason.length > MAX_SUB_FLEET_REASON_CHARS)
      throw refuse(`failures[${i}].reason has ${f.reason.length} characters, at most ${MAX_SUB_FLEET_REASON_CHARS}`);
  });
}
