import assert from 'node:assert/strict';
import { matchCalibration } from '../../src/replay/calibration';
import { DEFAULT_CALIBRATION } from '../../src/replay/defaults';

describe('replay calibration: which simulated figure a published one is set beside', () => {
  it('reads a quarter key as that quarter of the period report', () => {
    assert.deepEqual(matchCalibration('canThoQ1_2019Received'), { kind: 'quarter', quarter: 1, measure: 'received' });
    assert.deepEqual(matchCalibration('canThoQ1_2019ResolvedLate'), { kind: 'quarter', quarter: 1, measure: 'resolvedLate' });
    assert.deepEqual(matchCalibration('haNoiQ3PendingOverdue'), { kind: 'quarter', quarter: 3, measure: 'pendingOverdue' });
  });

  it('reads shares and yearly figures as measures of the whole run, online before any', () => {
    assert.deepEqual(matchCalibration('ngheAn2023OnlineOverdueShare'), { kind: 'run', measure: 'onlineLateShare' });
    assert.deepEqual(matchCalibration('provinceLateShare'), { kind: 'run', measure: 'lateShare' });
    assert.deepEqual(matchCalibration('canThoYearlyEstimate'), { kind: 'run', measure: 'receivedPerYear' });
    assert.equal(matchCalibration('somethingElse'), null, 'an unknown key is shown without a simulated figure, not guessed');
  });

  it('compares every figure of the default calibration with a simulated one', () => {
    const unmatched = Object.keys(DEFAULT_CALIBRATION.figures).filter((k) => matchCalibration(k) === null);
    assert.deepEqual(unmatched, [], 'these default calibration figures would appear in the report with nothing beside them: name them as calibration.ts reads keys');
  });
});
