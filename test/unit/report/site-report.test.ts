import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { writeSiteReport } from '../../../client-node/report/index.js';

describe('site report', () => {
  it('writes the ranked samples and the label-next queue as CSV and JSON a spreadsheet reads as written', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fedsift-report-'));
    const issues = [
      { index: 7, givenLabel: 3, suggestedLabel: 8, score: 0.01, flagged: true, corrected: true },
      { index: 2, givenLabel: 1, suggestedLabel: 7, score: 0.2, flagged: false, corrected: false },
      { index: 4, givenLabel: 1, suggestedLabel: 1, score: null, flagged: false, corrected: false },
    ];
    const summary = {
      runId: 'run-1',
      round: 4,
      samples: 50,
      issues: 1,
      score: 'self-confidence' as const,
      stats: { label_issues_flagged: 1 },
    };
    writeSiteReport(dir, summary, issues, [{ index: 5, givenLabel: 9, entropy: 1.5 }]);
    assert.equal(
      readFileSync(join(dir, 'label-issues.csv'), 'utf8'),
      'sample_index,given_label,suggested_label,score,flagged,corrected\n7,3,8,0.01,true,true\n2,1,7,0.2,false,false\n4,1,1,,false,false\n',
    );
    assert.equal(readFileSync(join(dir, 'label-next.csv'), 'utf8'), 'sample_index,given_label,entropy\n5,9,1.5\n');
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'label-issues.json'), 'utf8')), {
      runId: 'run-1',
      round: 4,
      issues,
    });
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')), summary);
  });
});
