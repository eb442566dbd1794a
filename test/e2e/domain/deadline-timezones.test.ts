import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import path from 'node:path';

// Process test (test/e2e): the domain's date arithmetic run in child processes under other TZ
// settings; the same rules in-process are test/domain/deadline.test.ts.
describe('domain/deadline: independent of the process timezone', () => {
  // The same computations run in child processes under other TZ settings must print the same
  // thing. The script avoids anything but the domain modules' own output. It runs in this
  // checkout's root, wherever that is, so that it tests these modules and not another copy's.
  const script = `
    const { WorkingCalendar } = require('./src/domain/calendar');
    const { computeDue, remainingAfterPause, timelinessAt, resolutionOf } = require('./src/domain/deadline');
    const { NATIONAL_DECISIONS } = require('./src/domain/national-calendar');
    const { formatVnIso, parseInstant, localDayOf, minuteOfDay, dayToIso } = require('./src/domain/time');
    const cal = new WorkingCalendar({ entries: NATIONAL_DECISIONS });
    const at = (s) => parseInstant(s);
    const out = [
      formatVnIso(computeDue(cal, at('2026-02-13T10:00'), { unit: 'days', amount: 7 })),
      formatVnIso(computeDue(cal, at('2025-12-31T23:30'), { unit: 'days', amount: 6 })),
      formatVnIso(computeDue(cal, at('2026-04-24T16:00'), { unit: 'same_day', cutoffMinute: 900 })),
      formatVnIso(computeDue(cal, at('2026-03-02T10:00'), { unit: 'hours', amount: 8 })),
      formatVnIso(computeDue(cal, at('2026-03-01T20:00:00Z'), { unit: 'days', amount: 1 })),
      JSON.stringify(remainingAfterPause(cal, at('2026-02-11T10:00'), at('2026-02-23T17:00'), 'days')),
      timelinessAt(cal, at('2026-02-13T10:00'), at('2026-02-23T17:00'), 1),
      resolutionOf(at('2026-02-12T23:59:59'), at('2026-02-13T17:00')),
      dayToIso(localDayOf(at('2026-02-26T17:30:00Z'))) + ' ' + minuteOfDay(at('2026-02-26T17:30:00Z')),
      cal.nonStandardDays(2026).map((d) => d.date).join(','),
    ];
    process.stdout.write(JSON.stringify(out));
  `;
  const zones = ['UTC', 'America/New_York', 'Asia/Ho_Chi_Minh', 'Pacific/Kiritimati'];
  const results = new Map<string, string[]>();

  before(function () {
    this.timeout(60_000);
    for (const tz of zones) {
      const stdout = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], {
        cwd: path.resolve(__dirname, '../../..'),
        env: { ...process.env, TZ: tz },
        encoding: 'utf8',
      });
      results.set(tz, JSON.parse(stdout) as string[]);
    }
  });

  it('gives the expected answers under TZ=UTC', () => {
    assert.deepEqual(results.get('UTC')!.slice(0, 9), [
      '2026-03-03T17:00:00+07:00',
      '2026-01-10T17:00:00+07:00',
      '2026-04-28T17:00:00+07:00',
      '2026-03-03T10:30:00+07:00',
      '2026-03-03T17:00:00+07:00', // 20:00Z on 01/03 is Monday 02/03 03:00 in Vietnam
      '{"unit":"days","amount":3}',
      'due_soon',
      'early',
      '2026-02-27 30',
    ]);
  });

  for (const tz of zones.slice(1)) {
    it(`gives identical answers under TZ=${tz}`, () => {
      assert.deepEqual(results.get(tz), results.get('UTC'), `output under TZ=${tz} differs from TZ=UTC`);
    });
  }
});
