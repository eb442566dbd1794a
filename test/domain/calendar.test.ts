import { strict as assert } from 'node:assert';
import { DEFAULT_WEEK_SCHEDULE, WorkingCalendar, type WeekSchedule } from '../../src/domain/calendar';
import type { CalendarEntry, Occasion } from '../../src/domain/holidays';
import { NATIONAL_DECISIONS } from '../../src/domain/national-calendar';
import { dayToIso, dayToVn, formatVnIso, isoToDay, weekdayOf } from '../../src/domain/time';

const WEEKDAY = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const d = isoToDay;
const label = (iso: string): string => `${WEEKDAY[weekdayOf(d(iso))]} ${dayToVn(d(iso))}`;

function entry(date: string, kind: 'off' | 'work', occasion: Occasion | null, agencyCode: string | null = null, estimate = false): CalendarEntry {
  return { date, kind, occasion, name: `test ${date}`, source: 'test', estimate, agencyCode };
}

const MORNING = { start: 450, end: 690 };
const AFTERNOON = { start: 810, end: 1020 };
/** An agency open on Saturday mornings too (some one-stop centres are). */
const SATURDAY_MORNINGS: WeekSchedule = [[], [MORNING, AFTERNOON], [MORNING, AFTERNOON], [MORNING, AFTERNOON], [MORNING, AFTERNOON], [MORNING, AFTERNOON], [MORNING]];

describe('domain/calendar: WorkingCalendar', () => {
  const national = new WorkingCalendar({ entries: NATIONAL_DECISIONS });

  it('the default week is Mon–Fri 07:30–11:30 and 13:30–17:00, and cannot be changed by accident', () => {
    assert.deepEqual(DEFAULT_WEEK_SCHEDULE, [[], [MORNING, AFTERNOON], [MORNING, AFTERNOON], [MORNING, AFTERNOON], [MORNING, AFTERNOON], [MORNING, AFTERNOON], []]);
    assert.ok(Object.isFrozen(DEFAULT_WEEK_SCHEDULE) && Object.isFrozen(DEFAULT_WEEK_SCHEDULE[1]) && Object.isFrozen(DEFAULT_WEEK_SCHEDULE[1][0]));
  });

  describe('working days with the shipped national decisions', () => {
    const table: [date: string, working: boolean, why: string][] = [
      ['2026-01-01', false, 'Tết Dương lịch'],
      ['2026-01-02', false, 'swapped: off, worked back on Saturday 10/01'],
      ['2026-01-05', true, 'an ordinary Monday'],
      ['2026-01-10', true, 'the swapped working Saturday'],
      ['2026-01-17', false, 'an ordinary Saturday'],
      ['2026-02-13', true, 'the last working day before Tết'],
      ['2026-02-16', false, 'Tết (29 tháng Chạp)'],
      ['2026-02-20', false, 'Tết (mùng 4)'],
      ['2026-02-23', true, 'back to work after Tết'],
      ['2026-04-26', false, 'Giỗ Tổ on a Sunday'],
      ['2026-04-27', false, 'compensatory day for Giỗ Tổ'],
      ['2026-04-28', true, 'an ordinary Tuesday'],
      ['2026-04-30', false, '30/4'],
      ['2026-05-01', false, '1/5'],
      ['2026-09-01', false, 'Quốc khánh neighbour day (estimate, no decision yet)'],
      ['2026-09-02', false, 'Quốc khánh'],
      ['2026-09-03', true, 'the Thursday after Quốc khánh'],
      ['2025-01-27', false, 'Tết 2025: Monday swapped off'],
      ['2025-02-01', false, 'Tết 2025 mùng 4, a Saturday'],
      ['2025-02-03', true, 'Tết 2025: the decision gives no compensatory Monday'],
      ['2025-02-08', true, 'Tết 2025: the working Saturday'],
      ['2025-04-26', true, '30/4 2025: the working Saturday'],
      ['2025-05-02', false, '30/4 2025: Friday swapped off'],
      ['2025-09-01', false, 'Quốc khánh 2025 neighbour day'],
      ['2027-02-10', false, 'Tết 2027 (no decision): compensatory day for mùng 1 on Saturday'],
    ];
    for (const [date, working, why] of table) {
      it(`${label(date)} is ${working ? 'a working day' : 'a day off'} (${why})`, () => {
        assert.equal(national.isWorkingDay(d(date)), working);
      });
    }
  });

  describe('office hours', () => {
    it('a day off has none; an ordinary weekday has the default hours', () => {
      assert.deepEqual(national.officeHours(d('2026-01-01')), []);
      assert.deepEqual(national.officeHours(d('2026-01-06')), [MORNING, AFTERNOON]);
    });
    it('a swapped working Saturday (10/01/2026) gets Monday’s hours and ends at 17:00', () => {
      assert.deepEqual(national.officeHours(d('2026-01-10')), [MORNING, AFTERNOON]);
      assert.equal(formatVnIso(national.endOfDay(d('2026-01-10'))), '2026-01-10T17:00:00+07:00');
    });
    it('returns copies: changing the answer does not change the calendar', () => {
      national.officeHours(d('2026-01-06'))[0].start = 0;
      assert.deepEqual(national.officeHours(d('2026-01-06'))[0], MORNING);
    });
    it('endOfDay is the end of the last office segment, in Vietnam time', () => {
      assert.equal(national.endOfDay(d('2026-02-13')).toISOString(), '2026-02-13T10:00:00.000Z');
    });
    it('endOfDay of a day off answers the end of a standard working day rather than throwing', () => {
      assert.equal(formatVnIso(national.endOfDay(d('2026-02-17'))), '2026-02-17T17:00:00+07:00');
    });
  });

  describe('counting working days', () => {
    const table: [from: string, n: number, expected: string, why: string][] = [
      ['2026-02-13', 1, '2026-02-23', 'Friday before Tết + 1 → the Monday after Tết'],
      ['2026-02-13', 0, '2026-02-13', 'n = 0 on a working day is that day'],
      ['2026-02-17', 0, '2026-02-23', 'n = 0 on a day off is the next working day'],
      ['2026-02-14', 1, '2026-02-23', 'from a Saturday'],
      ['2025-12-30', 3, '2026-01-06', 'across the year: 31/12, (1/1, 2/1 off), 5/1, 6/1'],
      ['2026-01-08', 2, '2026-01-10', 'the swapped Saturday counts'],
      ['2026-01-08', 3, '2026-01-12', '…and Sunday does not'],
      ['2025-12-31', 1, '2026-01-05', 'Friday 02/01/2026 does not count'],
      ['2026-04-24', 1, '2026-04-28', 'over Giỗ Tổ and its compensatory Monday'],
      ['2026-01-05', 250, '2027-01-04', '2026 has 250 working days and 05/01 is the first; 01/01/2027 is a holiday'],
    ];
    for (const [from, n, expected, why] of table) {
      it(`${label(from)} + ${n} working days = ${label(expected)} (${why})`, () => {
        const got = dayToIso(national.addWorkingDays(d(from), n));
        assert.equal(got, expected, `expected ${dayToVn(d(from))} + ${n} to be ${dayToVn(d(expected))} but got ${dayToVn(d(got))}`);
      });
    }

    it('nextWorkingDay is strictly after', () => {
      assert.equal(dayToIso(national.nextWorkingDay(d('2026-02-13'))), '2026-02-23');
      assert.equal(dayToIso(national.nextWorkingDay(d('2026-01-09'))), '2026-01-10');
    });

    it('rejects negative or fractional counts', () => {
      assert.throws(() => national.addWorkingDays(d('2026-01-05'), -1), RangeError);
      assert.throws(() => national.addWorkingDays(d('2026-01-05'), 1.5), RangeError);
      assert.throws(() => national.addWorkingDays(d('2026-01-05'), NaN), RangeError);
    });

    it('workingDaysBetween counts fromDay < d ≤ toDay', () => {
      assert.equal(national.workingDaysBetween(d('2026-02-13'), d('2026-02-23')), 1);
      assert.equal(national.workingDaysBetween(d('2026-02-12'), d('2026-02-23')), 2);
      assert.equal(national.workingDaysBetween(d('2026-02-23'), d('2026-02-13')), 0);
      assert.equal(national.workingDaysBetween(d('2026-02-13'), d('2026-02-13')), 0);
      assert.equal(national.workingDaysBetween(d('2025-12-31'), d('2026-01-10')), 6, 'Mon 05 – Fri 09 and Saturday 10/01; 1/1 and 2/1 are off');
      assert.equal(national.workingDaysBetween(d('2025-12-31'), d('2026-12-31')), 250, 'all of 2026');
    });

    it('agrees with a plain day-by-day count for 3,000 pseudo-random starts and counts over 2024–2028', () => {
      let seed = 12345;
      const rand = (k: number): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) % k);
      const start = d('2024-01-01');
      for (let i = 0; i < 3000; i++) {
        const from = start + rand(365 * 4);
        const n = rand(300);
        let expected = from;
        if (n === 0) {
          while (!national.isWorkingDay(expected)) expected++;
        } else {
          for (let left = n; left > 0; ) if (national.isWorkingDay(++expected)) left--;
        }
        const got = national.addWorkingDays(from, n);
        if (got !== expected) assert.fail(`${dayToVn(from)} + ${n}: expected ${dayToVn(expected)} but got ${dayToVn(got)}`);
        if (n > 0 && national.workingDaysBetween(from, got) !== n) assert.fail(`workingDaysBetween(${dayToVn(from)}, ${dayToVn(got)}) should be ${n}`);
      }
    });

    it('works for any year 1990–2200, lazily, and refuses years far outside', () => {
      const cal = new WorkingCalendar({ entries: [] });
      assert.equal(cal.isWorkingDay(d('1990-01-01')), false, '1/1/1990');
      assert.equal(cal.isWorkingDay(d('2200-01-01')), false, '1/1/2200');
      assert.equal(dayToIso(cal.addWorkingDays(d('2199-12-31'), 1)), '2200-01-02');
      assert.throws(() => cal.isWorkingDay(d('1850-06-02')), RangeError);
    });
  });

  describe('decisions replace the law-derived days of their occasion, for that year only', () => {
    // Suppose Tết 2027 is decided as Thu 04/02 – Wed 10/02 (no day for Thursday 11/02).
    const decided = [
      entry('2027-02-04', 'off', 'tet_am_lich'),
      entry('2027-02-05', 'off', 'tet_am_lich'),
      entry('2027-02-08', 'off', 'tet_am_lich'),
      entry('2027-02-09', 'off', 'tet_am_lich'),
      entry('2027-02-10', 'off', 'tet_am_lich'),
    ];
    const cal = new WorkingCalendar({ entries: decided });
    const lawOnly = new WorkingCalendar({ entries: [] });

    it('without the decision, the law estimate gives Thursday 11/02/2027 off (compensatory)', () => {
      assert.equal(lawOnly.isWorkingDay(d('2027-02-11')), false);
      assert.equal(lawOnly.isWorkingDay(d('2027-02-04')), true);
    });
    it('with it, exactly the decided days are off', () => {
      assert.equal(cal.isWorkingDay(d('2027-02-04')), false);
      assert.equal(cal.isWorkingDay(d('2027-02-11')), true, 'the estimated compensatory day is gone');
      assert.equal(cal.isWorkingDay(d('2026-02-17')), false, 'other years keep their defaults');
      assert.equal(cal.isWorkingDay(d('2027-09-02')), false, 'other occasions keep their defaults');
    });
    it('an occasion-less entry just overlays (an extra day off), keeping every default', () => {
      const extra = new WorkingCalendar({ entries: [entry('2027-03-08', 'off', null)] });
      assert.equal(extra.isWorkingDay(d('2027-03-08')), false);
      assert.equal(extra.isWorkingDay(d('2027-02-11')), false);
    });
    it('a Tết Dương lịch decision reaching into December (31/12/2018 off, Saturday 05/01/2019 worked) leaves 1/1/2018 alone', () => {
      const c = new WorkingCalendar({
        entries: [entry('2018-12-31', 'off', 'tet_duong_lich'), entry('2019-01-01', 'off', 'tet_duong_lich'), entry('2019-01-05', 'work', 'tet_duong_lich')],
      });
      assert.equal(c.isWorkingDay(d('2018-01-01')), false, '1/1/2018 is still a holiday');
      assert.equal(c.isWorkingDay(d('2018-12-31')), false);
      assert.equal(c.isWorkingDay(d('2019-01-05')), true);
      assert.equal(dayToIso(c.addWorkingDays(d('2018-12-28'), 1)), '2019-01-02');
    });
  });

  describe('agency overrides', () => {
    const overrides = [
      entry('2026-03-09', 'off', null, 'UBND-NK'), // a local festival day for this agency only
      entry('2026-09-01', 'work', null, 'UBND-NK'), // this agency stays open on the estimated Quốc khánh neighbour day
      entry('2026-03-10', 'off', null, 'SO-TP'), // another agency's: must not leak
    ];
    const agency = new WorkingCalendar({ entries: [...NATIONAL_DECISIONS, ...overrides], schedule: SATURDAY_MORNINGS, agencyCode: 'UBND-NK' });
    const nationalToo = new WorkingCalendar({ entries: [...NATIONAL_DECISIONS, ...overrides] });

    it('an agency open on Saturday mornings works Saturdays, until 11:30', () => {
      assert.equal(agency.isWorkingDay(d('2026-03-07')), true);
      assert.deepEqual(agency.officeHours(d('2026-03-07')), [MORNING]);
      assert.equal(formatVnIso(agency.endOfDay(d('2026-03-07'))), '2026-03-07T11:30:00+07:00');
      assert.equal(dayToIso(agency.addWorkingDays(d('2026-03-06'), 1)), '2026-03-07');
    });
    it('it still has the national holidays, and keeps its own Saturday hours on a swapped Saturday', () => {
      assert.equal(agency.isWorkingDay(d('2026-02-17')), false);
      assert.deepEqual(agency.officeHours(d('2026-01-10')), [MORNING]);
    });
    it('its own day off applies to it alone', () => {
      assert.equal(agency.isWorkingDay(d('2026-03-09')), false);
      assert.equal(nationalToo.isWorkingDay(d('2026-03-09')), true, 'the national calendar ignores agency overrides');
      assert.equal(agency.isWorkingDay(d('2026-03-10')), true, 'another agency’s override does not apply');
    });
    it('its own working day wins over a national day off', () => {
      assert.equal(agency.isWorkingDay(d('2026-09-01')), true);
      assert.equal(nationalToo.isWorkingDay(d('2026-09-01')), false);
    });
  });

  describe('nonStandardDays and isEstimated', () => {
    it('2026 lists every day that differs from the week or is a holiday, sorted, with sources', () => {
      const days = national.nonStandardDays(2026);
      assert.deepEqual(
        days.map((x) => `${x.date} ${x.kind}`),
        [
          '2026-01-01 off', '2026-01-02 off', '2026-01-10 work',
          '2026-02-16 off', '2026-02-17 off', '2026-02-18 off', '2026-02-19 off', '2026-02-20 off',
          '2026-04-26 off', '2026-04-27 off', '2026-04-30 off', '2026-05-01 off',
          '2026-09-01 off', '2026-09-02 off',
        ],
      );
      assert.ok(days.every((x) => x.source.length > 0 && x.name.length > 0));
      assert.deepEqual(days.filter((x) => x.estimate).map((x) => x.date), ['2026-09-01'], 'only the Quốc khánh neighbour is estimated in 2026');
    });
    it('2026 is estimated (Quốc khánh not decided); confirming it clears the flag', () => {
      assert.equal(national.isEstimated(2026), true);
      const confirmed = new WorkingCalendar({ entries: [...NATIONAL_DECISIONS, entry('2026-09-01', 'off', 'quoc_khanh'), entry('2026-09-02', 'off', 'quoc_khanh')] });
      assert.equal(confirmed.isEstimated(2026), false);
    });
    it('2025 is estimated (swaps recalled from the press), 2027 too (no decision at all)', () => {
      assert.equal(national.isEstimated(2025), true);
      assert.equal(national.isEstimated(2027), true);
    });
    it('an agency’s list carries its own entries with its code, and a work entry that cancels a holiday', () => {
      const agency = new WorkingCalendar({ entries: [...NATIONAL_DECISIONS, entry('2026-03-09', 'off', null, 'UBND-NK'), entry('2026-09-01', 'work', null, 'UBND-NK')], agencyCode: 'UBND-NK' });
      const days = agency.nonStandardDays(2026);
      assert.equal(days.find((x) => x.date === '2026-03-09')?.agencyCode, 'UBND-NK');
      assert.equal(days.find((x) => x.date === '2026-09-01')?.kind, 'work');
      assert.equal(agency.isEstimated(2026), false, 'the estimated day was overridden');
    });
    it('a no-op entry (a plain day off on a Sunday) is not listed', () => {
      const cal = new WorkingCalendar({ entries: [entry('2026-03-08', 'off', null)] });
      assert.ok(!cal.nonStandardDays(2026).some((x) => x.date === '2026-03-08'));
    });
  });

  describe('input validation', () => {
    it('reports only CalendarEntry fields, even when given database rows with more on them', () => {
      const row = { ...entry('2026-03-09', 'off', null), id: 7, createdBy: 'admin', createdAt: 1 };
      const [day] = new WorkingCalendar({ entries: [row] }).nonStandardDays(2026).filter((x) => x.date === '2026-03-09');
      assert.deepEqual(Object.keys(day).sort(), ['agencyCode', 'date', 'estimate', 'kind', 'name', 'occasion', 'source']);
    });
    it('rejects a fractional day number instead of calling it a day off', () => {
      national.isWorkingDay(d('2026-03-09'));
      assert.throws(() => national.isWorkingDay(d('2026-03-09') + 0.5), RangeError);
      assert.throws(() => national.addWorkingDays(d('2026-03-09') + 0.5, 1), RangeError);
    });
    it('rejects an impossible date in the entries when built', () => {
      assert.throws(() => new WorkingCalendar({ entries: [entry('2026-02-30', 'off', null)] }), RangeError);
    });
    it('rejects malformed schedules, and one with no working day at all', () => {
      assert.throws(() => new WorkingCalendar({ entries: [], schedule: [[], [], [], [], [], []] }), RangeError);
      assert.throws(() => new WorkingCalendar({ entries: [], schedule: [[], [], [], [], [], [], []] }), RangeError);
      const overlapping: WeekSchedule = [[], [{ start: 450, end: 700 }, { start: 690, end: 1020 }], [], [], [], [], []];
      assert.throws(() => new WorkingCalendar({ entries: [], schedule: overlapping }), RangeError);
      const backwards: WeekSchedule = [[], [{ start: 1020, end: 450 }], [], [], [], [], []];
      assert.throws(() => new WorkingCalendar({ entries: [], schedule: backwards }), RangeError);
    });
  });
});
