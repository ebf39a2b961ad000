import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runDemo } from '../../coordinator/lab/demo/index.js';
import { CLIENT_METRICS } from '../../shared/contract/index.js';
import { createLogger } from '../../shared/logging/index.js';

describe('fedsift demo --slow-clients (real client processes)', () => {
  it('starts the named client with --slowdown 3: it waits ≈ 2× its training before submitting, the start line says so', async () => {
    // Prepare: 2 near-IID client processes (equal shares, so the round's mean train_ms is the slowed client's too)
    const out = join(mkdtempSync(join(tmpdir(), 'fedsift-slow-demo-')), 'demo.json');
    const printed: string[] = [];
    const options = {
      clients: 2,
      rounds: 1,
      model: 'mlp',
      localEpochs: 2,
      alpha: 1000,
      seed: 0,
      out,
      slowClients: { clients: [1], factor: 3 },
    };
    // Execute
    const result = await runDemo(options, createLogger({ name: 'test', level: 'error' }), (l) => printed.push(l));
    // Assert
    assert.equal(result.state, 'RUN_STATE_COMPLETED');
    assert.match(printed[0]!, /client 1 trains 3× slower/);
    const m = result.rounds[0]!.clientMetrics;
    assert.equal(result.rounds[0]!.responded, 2);
    const ratio = m[CLIENT_METRICS.slowdownMs]! / m[CLIENT_METRICS.trainMs]!;
    assert.ok(
      ratio > 1.3 && ratio < 3.5,
      `waited ${m[CLIENT_METRICS.slowdownMs]} ms; mean training ${m[CLIENT_METRICS.trainMs]} ms`,
    );
    assert.equal(JSON.parse(readFileSync(out, 'utf8')).rounds.length, 1);
  });
});
