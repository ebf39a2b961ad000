import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatRoundRow, formatRunList, formatRunStatus } from '../../../coordinator/operator/index.js';
import type { RoundSummary, RunStatus } from '../../../shared/proto/index.js';

/** A running run's status whose config carries `name`. */
const status = (config: Record<string, unknown>): RunStatus => ({
  runId: 'run-1',
  state: 'RUN_STATE_RUNNING',
  currentRound: 2,
  totalRounds: 5,
  rounds: [],
  configJson: JSON.stringify(config),
  error: '',
  startedUnixMs: 0,
  finishedUnixMs: 0,
  connectedClients: 3,
});

/** A completed round 1 of 2 selected clients that both responded. */
const ROUND: RoundSummary = {
  round: 1,
  selected: 2,
  responded: 2,
  failed: 0,
  trainLoss: 1,
  testLoss: 1,
  testAccuracy: 0.5,
  durationMs: 1000,
  federatedAccuracy: NaN,
  attempts: 1,
  failures: [],
  aggregationMs: 1,
  clientMetrics: {},
};

describe('run status and list (fedsift run status | list)', () => {
  it("show the run's --name, and nothing in its place when it has none", () => {
    assert.match(
      formatRunStatus(status({ name: 'hospital-pilot' })),
      /^run run-1 "hospital-pilot": running, round 2\/5/,
    );
    assert.match(
      formatRunList([status({ name: 'hospital-pilot' })]),
      /^run-1 +running +round 2\/5 .*"hospital-pilot"$/,
    );
    assert.match(formatRunStatus(status({ name: '' })), /^run run-1: running/);
    assert.match(formatRunList([status({})]), /acc —$/);
  });

  it('count versions, not rounds, for an asynchronous run (mode "async")', () => {
    const round = { round: 1, selected: 3, responded: 3, trainLoss: 0.5, testLoss: 0.4, testAccuracy: 0.9 };
    const s = { ...status({ mode: 'async' }), rounds: [{ ...round, durationMs: 1000, clientMetrics: {} }] };
    const text = formatRunStatus(s as RunStatus);
    assert.match(text, /^run run-1: running, version 2\/5, /);
    assert.match(text, /^last version: test accuracy 90\.00%/m);
    assert.match(text, /^version  clients  train loss/m);
    assert.match(formatRunList([s as RunStatus]), /^run-1 +running +version 2\/5 /);
    assert.match(formatRunStatus(status({ mode: 'sync' })), /running, round 2\/5, .*\nno round completed yet/);
  });

  it('shows ε and the clipping norm of a DP run, and why a run completed early as "ended", not "error"', () => {
    // Prepare
    const round = { ...ROUND, dpEpsilon: 1.23456, dpClippingNorm: 0.25 };
    const s: RunStatus = {
      ...status({ differentialPrivacy: { delta: 1e-5 } }),
      state: 'RUN_STATE_COMPLETED',
      rounds: [round],
      error: 'privacy budget reached: …',
    };

    // Execute
    const text = formatRunStatus(s);

    // Assert
    assert.match(text, /\nended: privacy budget reached: …\n/);
    assert.match(text, /differential privacy: ε = 1\.235 \(δ = 0\.00001\) after round 1, clipping norm 0\.2500/);
    assert.match(formatRoundRow(round, 5), /  ε 1\.235 C 0\.2500$/);
    assert.doesNotMatch(formatRoundRow({ ...round, dpEpsilon: 0 }, 5), /ε/);
  });

  it('shows the client updates and failures behind the aggregators of a hierarchical round, nothing for a flat one', () => {
    // Prepare: 2 aggregators responded, standing for 6 client updates; 1 client behind them failed
    const failures = [{ clientId: 'c-agg/c-site', reason: 'no update before the round deadline' }];
    const round = { ...ROUND, failures, clientUpdates: 6, subFleetFailed: 1 };

    // Execute
    const text = formatRunStatus({ ...status({ hierarchical: true }), rounds: [round] });

    // Assert
    assert.match(text, /\n1\/5 +2\/2 .*  6 client updates, 1 failed behind aggregators$/);
    const flat = { ...round, failures: [], clientUpdates: 2, subFleetFailed: 0 };
    assert.doesNotMatch(formatRoundRow(flat, 5), /client updates/);
    assert.doesNotMatch(formatRoundRow({ ...flat, clientUpdates: 0 }, 5), /client updates/, 'an older coordinator');
  });

  it("prints the run's feature statistics: a row per numeric column, categories with counts and frequencies", () => {
    // Prepare
    const schema = {
      features: [
        { name: 'Island', kind: 'categorical', categories: ['Biscoe', 'Dream'] },
        { name: 'Body Mass (g)', kind: 'numeric' },
      ],
    };
    const s = {
      ...status({ schema }),
      featureStatistics: {
        sites: 3,
        rows: 300,
        numeric: [{ name: 'Body Mass (g)', count: 298, mean: 4201.754386, std: 800.781229, min: 2700, max: 6300 }],
        categorical: [{ name: 'Island', counts: [200, 100], frequencies: [2 / 3, 1 / 3] }],
      },
    };

    // Execute
    const lines = formatRunStatus(s).split('\n');

    // Assert
    const at = lines.indexOf('feature statistics (round 0): 3 sites, 300 rows');
    assert.ok(at > 0, lines.join('\n'));
    assert.deepEqual(lines.slice(at + 1, at + 4), [
      '  column              count        mean         std         min         max',
      '  Body Mass (g)         298   4201.7544    800.7812   2700.0000   6300.0000',
      '  Island         Biscoe 200 (66.67%) · Dream 100 (33.33%)',
    ]);
    assert.ok(!formatRunStatus(status({})).includes('feature statistics'), 'a run without statistics: no table');
  });
});
