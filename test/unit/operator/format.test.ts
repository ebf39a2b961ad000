import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatRunList, formatRunStatus } from '../../../coordinator/operator/index.js';
import type { RunStatus } from '../../../shared/proto/index.js';

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
});
