import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { playStatisticsRound, RunContexts } from '../../../client-node/daemon/index.js';
import type { SiteData } from '../../../client-node/data/index.js';
import type { CoordinatorLink } from '../../../client-node/link/index.js';
import { DataError } from '../../../shared/errors/index.js';
import type { RunSpec, SiteStatistics } from '../../../shared/proto/index.js';
import { loadTf } from '../../../shared/tf/index.js';
import {
  parseDataSchema,
  parseTable,
  schemaJson,
  schemaSha256,
  siteStatistics,
} from '../../../shared/tabular/index.js';
import { testAnnouncement } from '../../helpers/announcements.js';
import { recordingLogger } from '../../helpers/logs.js';

/** A table site of `rows` rows (x = 1, 2, …; classes alternate) read with a schema asking for `minSiteRows`. */
function tableSite(rows: number, minSiteRows: number): SiteData {
  const schema = parseDataSchema({
    features: [{ name: 'x', kind: 'numeric' }],
    label: { column: 'y', classes: ['a', 'b'] },
    minSiteRows,
  });
  const cells = Array.from({ length: rows }, (_, i) => [String(i + 1), i % 2 ? 'b' : 'a']);
  return { kind: 'table', table: parseTable([['x', 'y'], ...cells], schema), schemaSha256: schemaSha256(schema) };
}

/** The spec of run r over the site's schema (no model is built for round 0). */
const specOf = (site: SiteData): RunSpec => ({
  runId: 'r',
  modelRef: 'mlp:4',
  modelTopologyJson: '{}',
  inputShape: [1],
  numClasses: 2,
  schemaJson: site.kind === 'table' ? schemaJson(site.table.schema) : '',
  statistics: null,
  sha256: 'spec-0',
});

/**
 * A link that answers FetchRunSpec with `spec` and records what SubmitStatistics got; sums without columns (a site
 * below minSiteRows) are refused as the coordinator refuses them (FAILED_PRECONDITION, naming minSiteRows).
 */
function recordingLink(spec: RunSpec) {
  const sent: SiteStatistics[] = [];
  const link = {
    fetchRunSpec: async () => spec,
    submitStatistics: async (s: SiteStatistics) => {
      sent.push(s);
      if (!s.numeric.length)
        throw new Error(`9 FAILED_PRECONDITION: client c1 has ${s.rows} rows, fewer than minSiteRows`);
      return { accepted: true, message: 'statistics accepted' };
    },
  } as unknown as CoordinatorLink;
  return { link, sent };
}

async function play(site: SiteData, spec = specOf(site)) {
  const { tf } = await loadTf('cpu');
  const { logger, lines } = recordingLogger();
  const { link, sent } = recordingLink(spec);
  const runs = new RunContexts({ tf, site, seed: 0, logger });
  const a = testAnnouncement({ runId: 'r', round: 0, phase: 'ROUND_PHASE_STATISTICS', runSpecSha256: 'spec-0' });
  const played = playStatisticsRound({ runs, link, clientId: 'c1', log: logger }, a);
  return { played, sent, lines };
}

describe('round 0: a selected site sends its feature statistics', () => {
  it("sends the sums over its rows (never rows) for the run's schema", async () => {
    const site = tableSite(12, 10);
    const { played, sent } = await play(site);
    assert.equal(await played, true);
    assert.equal(site.kind, 'table');
    assert.deepEqual(sent, [{ runId: 'r', clientId: 'c1', ...siteStatistics(site.table) }]);
    assert.equal(sent[0]!.numeric[0]!.sum, 78); // 1 + … + 12
  });

  it("sends no sums with fewer rows than the schema's minSiteRows, only its row count, and logs why", async () => {
    const { played, sent, lines } = await play(tableSite(4, 10));
    assert.equal(await played, false);
    assert.deepEqual(sent, [{ runId: 'r', clientId: 'c1', rows: 4, numeric: [], categorical: [] }]);
    const why = lines.filter((l) => /fewer rows than the data schema's minSiteRows/.test(l.msg));
    assert.deepEqual(
      why.map((l) => [l.level, l.rows, l.minSiteRows]),
      [[40, 4, 10]],
    );
    assert.match(String(why[0]!.coordinator), /FAILED_PRECONDITION: client c1 has 4 rows/, "the coordinator's answer");
  });

  it('refuses a run whose schema is not the one its table was read with', async () => {
    const site = tableSite(12, 10);
    const reordered = parseDataSchema({
      features: [{ name: 'x', kind: 'numeric' }],
      label: { column: 'y', classes: ['b', 'a'] },
    });
    const other = { ...specOf(site), schemaJson: schemaJson(reordered) };
    const { played, sent } = await play(site, other);
    await assert.rejects(played, (e: unknown) => e instanceof DataError && /data schema differs/.test(e.message));
    assert.deepEqual(sent, []);
  });
});
