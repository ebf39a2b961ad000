import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClientRegistry } from '../../../coordinator/clients/index.js';
import { parseRunConfig } from '../../../coordinator/config/index.js';
import { dataRequirement } from '../../../coordinator/rounds/eligibility.js';
import { EligibleClients } from '../../../coordinator/rounds/eligible-clients.js';
import { StatisticsRound } from '../../../coordinator/rounds/statistics-round.js';
import {
  DuplicateUpdateError,
  InvalidRequestError,
  NotSelectedError,
  QuorumNotMetError,
  RoundClosedError,
} from '../../../shared/errors/index.js';
import { silentLogger } from '../../../shared/logging/index.js';
import type { SiteStatistics } from '../../../shared/proto/index.js';
import {
  combineStatistics,
  encodedWidth,
  parseTable,
  schemaSha256,
  siteStatistics,
  type SiteSums,
} from '../../../shared/tabular/index.js';
import { waitFor } from '../../helpers/coordinators.js';
import { penguinRows, penguinSchema } from '../../helpers/penguins.js';

const schema = penguinSchema({ missing: 'drop' });
const [header, ...body] = penguinRows(true) as [string[], ...string[][]];
/** Sums of penguins [from, to) read with the schema. */
const sums = (from: number, to: number): SiteSums =>
  siteStatistics(parseTable([header, ...body.slice(from, to)], schema));

/**
 * A round 0 over `sites` joined, heartbeating sites with the schema's data; `announced` collects its attempts'
 * selections. `run` overrides run config fields (minClients, maxRoundAttempts, roundDeadlineMs).
 */
function statisticsRound(sites: string[], run: Record<string, unknown> = {}) {
  const clients = new ClientRegistry(60_000);
  const capabilities = { numExamples: 50, backend: 'none', numFeatures: encodedWidth(schema), numLabelClasses: 3 };
  const ids = sites.map(
    (siteId) =>
      clients.join(
        {
          siteId,
          capabilities: { ...capabilities, schemaSha256: schemaSha256(schema) },
          peer: 'p',
          sessionId: siteId,
          takeover: false,
        },
        Date.now(),
      ).record.clientId,
  );
  const config = parseRunConfig({
    model: 'mlp:8',
    schema,
    clientsPerRound: sites.length,
    minClients: sites.length,
    ...run,
  });
  const clock = { now: () => Date.now() };
  const requirement = dataRequirement({ inputShape: [encodedWidth(schema)], numClasses: 3 }, schema);
  const announced: string[][] = [];
  let retries = 0;
  const round = new StatisticsRound({
    runId: 'run-s',
    schema,
    config,
    clients,
    clock,
    logger: silentLogger(),
    eligible: new EligibleClients({ runId: 'run-s', config, clients, clock, requirement }),
    announce: async (a) => void announced.push([...a.selected]),
    onRetry: () => void retries++,
  });
  const submission = (i: number, s: SiteSums): SiteStatistics => ({ runId: 'run-s', clientId: ids[i]!, ...s });
  return { round, ids, announced, submission, retries: () => retries };
}

/** The error `fn` throws (asserting it throws). */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  assert.fail('expected an error');
}

describe('round 0: feature statistics from the selected sites', () => {
  it('combines the sites that sent valid sums; refuses malformed sums, a site below minSiteRows, a second opinion', async () => {
    // Prepare: 4 sites; site 3 holds the last 5 penguins, fewer rows than minSiteRows (10)
    const r = statisticsRound(['a', 'b', 'c', 'small'], { minClients: 3, maxRoundAttempts: 1 });
    const parts = [sums(0, 150), sums(150, 250), sums(250, 339)];
    const gathered = r.round.gather();
    await waitFor('attempt 1 announced', () => r.announced[0]);

    // Execute
    const malformed = thrown(() =>
      r.round.submit(r.submission(0, { ...parts[0]!, numeric: parts[0]!.numeric.slice(1) })),
    );
    const accepted = r.round.submit(r.submission(0, parts[0]!)); // corrected, same attempt
    const again = r.round.submit(r.submission(0, parts[0]!));
    const different = thrown(() => r.round.submit(r.submission(0, parts[1]!)));
    r.round.submit(r.submission(1, parts[1]!));
    const tiny = sums(339, 344);
    const small = thrown(() => r.round.submit(r.submission(3, tiny)));
    r.round.submit(r.submission(2, parts[2]!));
    const statistics = await gathered;

    // Assert
    assert.deepEqual(r.announced, [r.ids], 'every eligible site asked');
    assert.ok(malformed instanceof InvalidRequestError, String(malformed));
    assert.equal((malformed as InvalidRequestError).code, 'FS_ERR_INVALID_REQUEST');
    assert.match(malformed.message, /^SubmitStatistics: .*numeric/);
    assert.deepEqual([accepted, again.accepted], [{ accepted: true, message: '' }, true]);
    assert.ok(different instanceof DuplicateUpdateError);
    assert.ok(small instanceof RoundClosedError);
    assert.ok(tiny.rows < 10);
    assert.match(
      small.message,
      new RegExp(`has ${tiny.rows} rows, fewer than the schema's minSiteRows \\(10\\): the site sends no statistics`),
    );
    assert.deepEqual(statistics, combineStatistics(schema, parts));
    assert.equal(r.round.submit(r.submission(1, parts[1]!)).message, 'already counted', 're-sent once closed');
    assert.ok(thrown(() => r.round.submit(r.submission(3, parts[1]!))) instanceof RoundClosedError, 'closed');
  });

  it('refuses a site that was not selected', async () => {
    const r = statisticsRound(['a', 'b']);
    const gathered = r.round.gather();
    await waitFor('attempt 1 announced', () => r.announced[0]);
    const stranger = { runId: 'run-s', clientId: 'c-stranger', ...sums(0, 50) };
    assert.ok(thrown(() => r.round.submit(stranger)) instanceof NotSelectedError);
    r.round.stop();
    assert.equal(await gathered, undefined, 'stopped: nothing gathered');
  });

  it('retries below quorum asking only the sites without sums, then fails naming round 0 and who failed', async () => {
    // Prepare: 3 sites, quorum 3; site c never answers; short deadlines
    const r = statisticsRound(['a', 'b', 'c'], { maxRoundAttempts: 2, roundDeadlineMs: 300 });
    const gathered = r.round.gather().then(
      () => assert.fail('expected a quorum error'),
      (err: unknown) => err,
    );
    await waitFor('attempt 1 announced', () => r.announced[0]);

    // Execute: a and b send theirs in attempt 1, nobody in attempt 2
    r.round.submit(r.submission(0, sums(0, 100)));
    r.round.submit(r.submission(1, sums(100, 200)));
    const err = await gathered;

    // Assert
    assert.deepEqual(r.announced, [r.ids, [r.ids[2]]], 'attempt 2 asks only c');
    assert.equal(r.retries(), 1);
    assert.ok(err instanceof QuorumNotMetError, String(err));
    assert.match(
      (err as Error).message,
      new RegExp(
        `^round 0: fewer than 3 sites' feature statistics in 2 attempts \\(2 accepted; last attempt: ${r.ids[2]}: ` +
          'no statistics before the round deadline\\); .*raise roundDeadlineMs',
      ),
    );
  });
});
