import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { MAX_SUB_FLEET_FAILURES } from '../../../shared/contract/index.js';
import { InvalidRequestError, InvalidUpdateError, UpdateNormError } from '../../../shared/errors/index.js';
import type { SubFleetUpdate, UpdateHeader } from '../../../shared/proto/index.js';
import type { OpenRound } from '../../../coordinator/rounds/index.js';
import { openTestRound, testUpdate } from '../../helpers/open-rounds.js';
import { assertClose } from '../../helpers/assert-close.js';

const PARAMS = 4;

/** Sends `clientId`'s update of all-`value` parameters, with `header` fields added, through the round's intake. */
function submit(round: OpenRound, clientId: string, value: number, header: Partial<UpdateHeader> = {}): void {
  const update = testUpdate(clientId, new Float32Array(PARAMS).fill(value));
  const receiver = round.receive({ ...update.header, ...header });
  const buffer = receiver.buffer();
  buffer.set(update.bytes);
  receiver.received(update.bytes.byteLength);
  receiver.complete(buffer, update.header.sha256);
}

/** A sub-fleet of `clients` client updates, none failed. */
const fleet = (clients: number, more: Partial<SubFleetUpdate> = {}): SubFleetUpdate => ({
  clients,
  failed: 0,
  failures: [],
  ...more,
});

/** Asserts `fn` throws an InvalidUpdateError (INVALID_ARGUMENT) whose message matches `fragment`. */
function refused(fn: () => void, fragment: RegExp, cls: typeof InvalidUpdateError = InvalidUpdateError): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof cls, String(e));
    assert.equal(e.grpcStatus, 3, 'INVALID_ARGUMENT');
    assert.match(e.message, fragment);
    return true;
  });
}

describe("an open round's intake of aggregators' updates (hierarchical runs)", () => {
  it("folds an aggregator's update by Σ nₖ, counting its sub-fleet's client updates and listed failures", () => {
    // Prepare: site s0 (1,000 examples declared) and aggregator a0 (declared 0: its update claims 3,000)
    const round = openTestRound(PARAMS, ['s0', 'a0'], 0, undefined, { aggregators: ['a0'] });
    after(() => round.close('stopped'));
    const failures = [{ clientId: 'c-lost', reason: 'client lost' }];

    // Execute
    submit(round, 's0', 1, { numExamples: 1_000 });
    submit(round, 'a0', 3, { numExamples: 3_000, subFleet: fleet(3, { failed: 2, failures }) });

    // Assert: (1,000·1 + 3,000·3) / 4,000 = 2.5; 1 + 3 client updates; a0's failures under its id
    const { progress } = round;
    assert.equal(progress.subFleets.clientUpdates(progress.accepted.size), 4);
    assert.equal(progress.subFleets.failed, 2);
    assert.deepEqual(progress.subFleets.failures, [{ clientId: 'a0/c-lost', reason: 'client lost' }]);
    const aggregate = progress.accumulator.finish([]);
    assertClose(aggregate.weights.values, new Float32Array(PARAMS).fill(2.5), 1e-6);
    assert.equal(aggregate.numExamples, 4_000);
  });

  it('refuses sub_fleet from a site, and an aggregator update without it or with bad counts; the round goes on', () => {
    // Prepare: a site, 8 aggregators, and a site that has not answered (the round stays open)
    const aggregators = ['a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7'];
    const round = openTestRound(PARAMS, ['s0', ...aggregators, 'waiting'], 0, undefined, { aggregators });
    after(() => round.close('stopped'));
    const many = Array.from({ length: MAX_SUB_FLEET_FAILURES + 1 }, (_, i) => ({ clientId: `c-${i}`, reason: 'lost' }));
    const cases: [string, Partial<UpdateHeader>, RegExp][] = [
      ['s0', { subFleet: fleet(2) }, /sub_fleet: only an aggregator/],
      ['a0', {}, /sub_fleet: missing/],
      ['a1', { subFleet: fleet(0) }, /sub_fleet: clients must be an integer ≥ 1/],
      ['a2', { subFleet: fleet(1.5) }, /sub_fleet: clients must be an integer ≥ 1/],
      ['a3', { subFleet: fleet(2, { failed: 0, failures: [{ clientId: 'c-1', reason: 'x' }] }) }, /failed must be/],
      ['a4', { subFleet: fleet(2, { failed: many.length, failures: many }) }, /101 failures listed, at most 100/],
      ['a5', { subFleet: fleet(2, { failed: 1, failures: [{ clientId: '', reason: 'x' }] }) }, /client_id must/],
      [
        'a6',
        { subFleet: fleet(2, { failed: 1, failures: [{ clientId: 'c-1', reason: 'x'.repeat(1_001) }] }) },
        /reason/,
      ],
    ];

    // Execute + Assert: each refused with INVALID_ARGUMENT naming sub_fleet, its sender failed for the round
    for (const [clientId, header, fragment] of cases) {
      refused(() => submit(round, clientId, 1, header), fragment);
      assert.ok(
        round.failures.some((f) => f.clientId === clientId && /sub_fleet/.test(f.reason)),
        clientId,
      );
    }
    assert.equal(round.isOpen, true);
    submit(round, 'a7', 1, { numExamples: 10, subFleet: fleet(2) });
    assert.equal(round.accepted.has('a7'), true, 'a well-formed aggregator update still gets in');
  });

  it("takes an aggregator's update uncompressed whatever the run's codec; a site's must use the run's", () => {
    // Prepare: a run whose updates are int8
    const round = openTestRound(PARAMS, ['s0', 'a0', 'a1'], 0, undefined, {
      aggregators: ['a0', 'a1'],
      updateCodec: { kind: 'int8', blockSize: 256 },
    });
    after(() => round.close('stopped'));

    // Execute + Assert
    refused(() => submit(round, 's0', 1), /update encoded with none, the round takes int8/);
    refused(
      () =>
        submit(round, 'a1', 1, {
          codec: { kind: 'int8', blockSize: 256, fraction: 0, nonzeros: 0 },
          subFleet: fleet(2),
        }),
      /update encoded with int8, an aggregator's update takes none/,
    );
    submit(round, 'a0', 1, { subFleet: fleet(2) });
    assert.equal(round.accepted.has('a0'), true);
  });

  it("still bounds an aggregator's update by maxUpdateNorm and refuses its non-finite values", () => {
    // Prepare: maxUpdateNorm 1; ‖(2, 2, 2, 2) − 0‖₂ = 4
    const round = openTestRound(PARAMS, ['a0', 'a1', 'waiting'], 0, undefined, {
      aggregators: ['a0', 'a1'],
      maxUpdateNorm: 1,
    });
    after(() => round.close('stopped'));

    // Execute + Assert
    refused(() => submit(round, 'a0', 2, { subFleet: fleet(2) }), /exceeds the run's maxUpdateNorm 1/, UpdateNormError);
    refused(() => submit(round, 'a1', NaN, { subFleet: fleet(2) }), /non-finite/);
  });

  it("takes an aggregator's evaluation of more examples than it declared; a site's is bounded by its own", () => {
    // Prepare
    const round = openTestRound(PARAMS, ['s0', 'a0'], 0, undefined, { aggregators: ['a0'] });
    after(() => round.close('stopped'));
    const report = (clientId: string) => ({
      runId: 'test-run',
      round: 1,
      clientId,
      numExamples: 5_000,
      loss: 1,
      metrics: {},
    });

    // Execute + Assert
    round.addEvaluation(report('a0'));
    refused(
      () => round.addEvaluation(report('s0')),
      /num_examples must be in \[1, 1000\], got 5000/,
      InvalidRequestError,
    );
    assert.equal(round.progress.evaluations.has('a0'), true);
  });
});
