import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { stopChild } from '../../coordinator/lab/federation/index.js';
import type { Coordinator } from '../../coordinator/main.js';
import { SqliteRunStore } from '../../coordinator/store/index.js';
import type { RoundSummary } from '../../shared/proto/index.js';
import { chartOn, launchChromium } from '../helpers/browser.js';
import { startAsyncRun } from '../helpers/async-runs.js';
import { spawnClient, type ClientProcess } from '../helpers/client-processes.js';
import { startTestCoordinator, waitFor, waitForRunState } from '../helpers/coordinators.js';
import { testCheckpoint, testSummary } from '../helpers/store-records.js';

const VERSIONS = 4;
const TREE = 'run-tree';

/** Round `k` of a hierarchical run: 2 aggregators took part for 6 clients; 1 client behind them sent nothing. */
function treeRound(k: number): RoundSummary {
  return {
    ...testSummary(k),
    clientUpdates: 6,
    subFleetFailed: 1,
    failures: [{ clientId: 'agg-1/site-7', reason: 'deadline' }],
  };
}

describe('the dashboard names the steps of an asynchronous run versions and shows a hierarchical run’s clients', () => {
  let stateDir: string;
  let c: Coordinator;
  let clients: ClientProcess[] = [];
  let browser: Browser;
  let base: string;
  let asyncRun: string;

  before(async () => {
    // A finished 2-round run as a hierarchical coordinator stores it, restored from the state directory at start
    stateDir = mkdtempSync(join(tmpdir(), 'fedsift-dashboard-'));
    const store = new SqliteRunStore(stateDir);
    await store.createRun(TREE, JSON.stringify({ rounds: 2, model: 'mlp' }), 'RUN_STATE_WAITING', 1000);
    for (const k of [1, 2]) await store.commitRound(TREE, treeRound(k), testCheckpoint(k));
    await store.setState(TREE, 'RUN_STATE_COMPLETED', '', 2000);
    await store.close();
    c = await startTestCoordinator({ stateDir });
    base = `http://127.0.0.1:${c.httpPort}`;
    // An asynchronous run of client daemons, one update per version, both training at once
    clients = [0, 1].map((i) => spawnClient(c.address, i, 2));
    await waitFor('2 live clients', () => (c.liveClients() === 2 ? true : undefined));
    asyncRun = (await startAsyncRun(c, 2, VERSIONS, 50, { localEpochs: 1 })).runId;
    const s = await waitForRunState(c, asyncRun, ['RUN_STATE_COMPLETED', 'RUN_STATE_FAILED']);
    assert.equal(s.state, 'RUN_STATE_COMPLETED', s.error);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await Promise.all(clients.map((p) => stopChild(p.child)));
    await c?.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  /** The dashboard on run `runId`, once its accuracy chart shows `points` steps. */
  async function open(runId: string, points: number): Promise<Page> {
    const page = await browser.newPage();
    await page.goto(`${base}/?run=${runId}`);
    await page.waitForSelector(`#accuracy-chart[data-points="${points}"]`, { timeout: 30_000 });
    return page;
  }

  it('says "version" where a synchronous run says "round", and draws the versions’ staleness apart', async () => {
    // Execute
    const page = await open(asyncRun, VERSIONS);
    // Assert
    assert.match(
      (await page.textContent('#run-summary'))!,
      new RegExp(`^completed · version ${VERSIONS}/${VERSIONS} ·`),
    );
    assert.equal(await page.textContent('#runs-step'), 'round / version', 'the table lists a run of each kind');
    const row = (id: string) => page.locator(`#runs tr[data-run="${id}"] td`).nth(2).textContent();
    assert.equal(await row(asyncRun), `version ${VERSIONS}/${VERSIONS}`);
    assert.equal(await row(TREE), 'round 2/2');
    assert.equal(await page.textContent('#failures th.step'), 'version');
    const captions = await page.locator('.charts figure:not([hidden]) figcaption').allInnerTexts();
    assert.ok(captions.length >= 6, captions.join(' | '));
    assert.ok(
      captions.every((t) => t.includes('per version') && !t.includes('round')),
      captions.join(' | '),
    );
    assert.ok(captions.some((t) => t.startsWith('Staleness of the updates per version')));
    for (const id of ['accuracy-chart', 'participation-chart', 'client-chart', 'staleness-chart'])
      assert.equal((await chartOn(page, id)).axis, 'version', id);
    const statistics = (await chartOn(page, 'client-chart')).datasets.map((d) => d.label);
    assert.ok(statistics.length > 0 && statistics.every((l) => !l.startsWith('staleness')), statistics.join());
    const staleness = (await chartOn(page, 'staleness-chart')).datasets;
    const counts = staleness.filter((d) => d.label.startsWith('τ = '));
    assert.ok(
      counts.every((d) => d.data.some((n) => Number(n) > 0)),
      `only the τ some version saw: ${counts.map((d) => d.label)}`,
    );
    const perVersion = (v: number) => counts.reduce((a, d) => a + Number(d.data[v]), 0);
    assert.deepEqual(
      Array.from({ length: VERSIONS }, (_, v) => perVersion(v)),
      Array(VERSIONS).fill(1),
      'one update per version (bufferSize 1), counted at its staleness',
    );
    assert.equal(staleness.find((d) => d.label === 'mean τ')?.data.length, VERSIONS);
  });

  it('shows the client updates behind a hierarchical round’s participants and the sub-fleet failures', async () => {
    // Execute
    const page = await open(TREE, 2);
    // Assert
    assert.match((await page.textContent('#run-summary'))!, /^completed · round 2\/2 ·/);
    assert.equal(await page.isVisible('#participation-note'), true);
    const bars = Object.fromEntries(
      (await chartOn(page, 'participation-chart')).datasets.map((d) => [d.label, d.data]),
    );
    assert.deepEqual(bars, {
      responded: [2, 2],
      'no update': [0, 0],
      'client updates behind them': [6, 6],
      'sub-fleet failures': [1, 1],
    });
    assert.equal(await page.isVisible('#staleness'), false, 'a synchronous run has no staleness chart');
    assert.equal((await chartOn(page, 'accuracy-chart')).axis, 'round');
  });
});
