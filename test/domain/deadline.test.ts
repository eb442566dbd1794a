import { strict as assert } from 'node:assert';
import { WorkingCalendar } from '../../src/domain/calendar';
import {
  computeDue,
  keptOnSupplementRequest,
  remainingAfterPause,
  resolutionOf,
  timelinessAt,
  type ProcessingTime,
  type Resolution,
  type Timeliness,
} from '../../src/domain/deadline';
import type { CalendarEntry, Occasion } from '../../src/domain/holidays';
import { NATIONAL_DECISIONS } from '../../src/domain/national-calendar';
import { formatVnIso, parseInstant } from '../../src/domain/time';

/** A Vietnam-local time written the way people read it: '13/02/2026 16:30' (seconds optional). */
function vn(text: string): Date {
  const m = /^(\d{2})\/(\d{2})\/(\d{4}) (\d{2}:\d{2}(?::\d{2})?)$/.exec(text);
  const parsed = m && parseInstant(`${m[3]}-${m[2]}-${m[1]}T${m[4]}+07:00`);
  if (!parsed) throw new Error(`test data: bad time ${text}`);
  return parsed;
}

/** '2026-02-23T17:00:00+07:00' → '23/02/2026 17:00' (seconds only when not :00), for readable failures. */
function show(instant: Date): string {
  const iso = formatVnIso(instant);
  const seconds = iso.slice(17, 19);
  return `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)} ${iso.slice(11, 16)}${seconds === '00' ? '' : `:${seconds}`}`;
}

function describeTime(t: ProcessingTime): string {
  if (t.unit === 'days') return `+ ${t.amount} working day${t.amount === 1 ? '' : 's'}`;
  if (t.unit === 'hours') return `+ ${Number(t.amount.toFixed(3))} working hour${t.amount === 1 ? '' : 's'}`;
  const h = Math.floor(t.cutoffMinute / 60);
  return `same day (cut-off ${String(h).padStart(2, '0')}:${String(t.cutoffMinute % 60).padStart(2, '0')})`;
}

type Vector = [accepted: string, time: ProcessingTime, due: string, why: string];

function runVectors(cal: WorkingCalendar, vectors: Vector[]): void {
  for (const [accepted, time, due, why] of vectors) {
    it(`${accepted} ${describeTime(time)} → due ${due} (${why})`, () => {
      const got = computeDue(cal, vn(accepted), time);
      assert.equal(show(got), due, `expected ${accepted} ${describeTime(time)} to be due ${due} (${why}) but got ${show(got)}`);
    });
  }
}

const days = (amount: number): ProcessingTime => ({ unit: 'days', amount });
const hours = (amount: number): ProcessingTime => ({ unit: 'hours', amount });
const sameDay = (cutoffMinute: number): ProcessingTime => ({ unit: 'same_day', cutoffMinute });

function off(date: string, occasion: Occasion): CalendarEntry {
  return { date, kind: 'off', occasion, name: occasion, source: 'lịch năm 2018 của hệ thống một cửa', estimate: false, agencyCode: null };
}

/** 2018's real calendar (the Labour Code of 2012 still applied: Quốc khánh was one day). */
const CALENDAR_2018: CalendarEntry[] = [
  off('2018-01-01', 'tet_duong_lich'),
  off('2018-02-14', 'tet_am_lich'),
  off('2018-02-15', 'tet_am_lich'),
  off('2018-02-16', 'tet_am_lich'),
  off('2018-02-19', 'tet_am_lich'),
  off('2018-02-20', 'tet_am_lich'),
  off('2018-04-25', 'gio_to'),
  off('2018-04-30', 'giai_phong'),
  off('2018-05-01', 'quoc_te_lao_dong'),
  off('2018-09-02', 'quoc_khanh'),
  off('2018-09-03', 'quoc_khanh'),
];

const national = new WorkingCalendar({ entries: NATIONAL_DECISIONS });

describe('domain/deadline: computeDue', () => {
  describe('the 2018 vectors of a production one-stop system (domain.md)', () => {
    runVectors(new WorkingCalendar({ entries: CALENDAR_2018 }), [
      ['01/01/2018 09:00', days(7), '10/01/2018 17:00', 'accepted on the New Year holiday; counting starts Tuesday 02/01'],
      ['09/02/2018 09:00', days(7), '27/02/2018 17:00', 'Tết 14–20/02 off'],
      ['24/04/2018 09:00', days(21), '28/05/2018 17:00', 'Giỗ Tổ 25/04, 30/04 and 01/05 off'],
      ['25/04/2018 09:00', days(21), '28/05/2018 17:00', 'accepted on Giỗ Tổ itself: same due date as the day before'],
    ]);
  });

  describe('working days with the 2026 decisions', () => {
    runVectors(national, [
      ['13/02/2026 10:00', days(1), '23/02/2026 17:00', 'last working day before Tết: the next working day is after Tết 14–22/02'],
      ['13/02/2026 10:00', days(5), '27/02/2026 17:00', 'Tết 16–20/02 off'],
      ['13/02/2026 10:00', days(7), '03/03/2026 17:00', 'Tết 16–20/02 off'],
      ['13/02/2026 16:59', days(0), '13/02/2026 17:00', '0 days, accepted before the day ends'],
      ['13/02/2026 17:00', days(0), '23/02/2026 17:00', '0 days, accepted as the day ends: the next working day, after Tết'],
      ['14/02/2026 09:00', days(1), '23/02/2026 17:00', 'accepted on a Saturday during the Tết break'],
      ['31/12/2025 10:00', days(5), '09/01/2026 17:00', '01/01 and Friday 02/01 off: 05–09/01'],
      ['31/12/2025 10:00', days(6), '10/01/2026 17:00', 'the swapped working Saturday 10/01 counts'],
      ['31/12/2025 10:00', days(7), '12/01/2026 17:00', 'Sunday 11/01 does not'],
      ['01/01/2026 09:00', days(1), '05/01/2026 17:00', 'accepted on New Year’s day: Friday 02/01 is off'],
      ['09/01/2026 16:00', days(1), '10/01/2026 17:00', 'the working Saturday gets Monday’s hours, due at 17:00'],
      ['24/04/2026 10:00', days(1), '28/04/2026 17:00', 'Giỗ Tổ on Sunday 26/04, compensatory Monday 27/04'],
      ['24/04/2026 10:00', days(3), '04/05/2026 17:00', 'then 30/04 and 01/05 off, and the weekend'],
      ['26/04/2026 10:00', days(1), '28/04/2026 17:00', 'accepted on Giỗ Tổ Sunday'],
      ['24/04/2026 18:30', days(1), '28/04/2026 17:00', 'accepted after hours: the acceptance day is still not counted'],
      ['02/03/2026 06:00', days(1), '03/03/2026 17:00', 'accepted before hours: the acceptance day is still not counted'],
    ]);
  });

  describe('same-day procedures with a 15:00 cut-off', () => {
    runVectors(national, [
      ['03/03/2026 14:59', sameDay(900), '03/03/2026 17:00', 'before the cut-off'],
      ['03/03/2026 14:59:59', sameDay(900), '03/03/2026 17:00', 'the last second before the cut-off'],
      ['03/03/2026 15:00', sameDay(900), '04/03/2026 17:00', 'at the cut-off: next working day'],
      ['03/03/2026 16:30', sameDay(900), '04/03/2026 17:00', 'after the cut-off'],
      ['03/03/2026 06:45', sameDay(900), '03/03/2026 17:00', 'before office hours, still the same day'],
      ['07/03/2026 09:00', sameDay(900), '09/03/2026 17:00', 'accepted on a Saturday'],
      ['24/04/2026 16:00', sameDay(900), '28/04/2026 17:00', 'Friday 16:00 before the compensatory Monday 27/04'],
      ['13/02/2026 15:30', sameDay(900), '23/02/2026 17:00', 'after the cut-off on the last day before Tết'],
      ['03/03/2026 17:30', sameDay(1080), '04/03/2026 17:00', 'a cut-off set after closing time never makes a due date in the past'],
    ]);
  });

  describe('working hours within office segments (07:30–11:30, 13:30–17:00)', () => {
    runVectors(national, [
      ['02/03/2026 10:00', hours(8), '03/03/2026 10:30', '1.5 h + 3.5 h on Monday, 3 h on Tuesday'],
      ['02/03/2026 10:30', hours(2), '02/03/2026 14:30', 'across lunch'],
      ['02/03/2026 10:00', hours(1.5), '02/03/2026 11:30', 'runs out exactly at noon closing: 11:30, not after lunch'],
      ['02/03/2026 16:00', hours(1.5), '03/03/2026 08:00', 'fractional hours across the night'],
      ['02/03/2026 12:00', hours(1), '02/03/2026 14:30', 'accepted during lunch: counting starts at 13:30'],
      ['02/03/2026 06:00', hours(1), '02/03/2026 08:30', 'accepted before opening'],
      ['02/03/2026 18:00', hours(1), '03/03/2026 08:30', 'accepted after closing'],
      ['08/03/2026 10:00', hours(1), '09/03/2026 08:30', 'accepted on a Sunday'],
      ['24/04/2026 15:00', hours(4), '28/04/2026 09:30', 'across Giỗ Tổ’s compensatory Monday'],
      ['13/02/2026 16:00', hours(2), '23/02/2026 08:30', 'across Tết'],
      ['02/03/2026 07:30', hours(7.5), '02/03/2026 17:00', 'a full default office day is 7.5 h'],
      ['02/03/2026 10:00', hours(0), '02/03/2026 10:00', 'zero hours inside office hours is now'],
      ['02/03/2026 10:00', hours(1 / 3), '02/03/2026 10:20', 'a third of an hour'],
    ]);
  });

  it('rejects impossible processing times instead of guessing', () => {
    const t = vn('02/03/2026 10:00');
    assert.throws(() => computeDue(national, t, days(-1)), RangeError);
    assert.throws(() => computeDue(national, t, days(1.5)), RangeError, 'half a day must be given in hours');
    assert.throws(() => computeDue(national, t, hours(-1)), RangeError);
    assert.throws(() => computeDue(national, t, hours(Infinity)), RangeError);
    assert.throws(() => computeDue(national, t, sameDay(-5)), RangeError);
    assert.throws(() => computeDue(national, new Date(NaN), days(1)), RangeError);
  });
});

describe('domain/deadline: pause and resume (supplement, pause policy)', () => {
  it('days: accepted Mon 02/02/2026 for 10 days, paused Wed 11/02, resumed after Tết on Tue 24/02', () => {
    const due = computeDue(national, vn('02/02/2026 08:00'), days(10));
    assert.equal(show(due), '23/02/2026 17:00', '3–6/02, 9–13/02 and 23/02 are the 10 working days');
    const remaining = remainingAfterPause(national, vn('11/02/2026 10:00'), due, 'days');
    assert.deepEqual(remaining, days(3), 'left: 12/02, 13/02 and 23/02 (Tết is not counted)');
    const newDue = computeDue(national, vn('24/02/2026 09:00'), remaining);
    assert.equal(show(newDue), '27/02/2026 17:00', 'resumed Tue 24/02: 25, 26, 27/02');
  });

  it('days: paused on the acceptance day keeps the whole period', () => {
    const due = computeDue(national, vn('02/03/2026 09:00'), days(5));
    assert.deepEqual(remainingAfterPause(national, vn('02/03/2026 15:00'), due, 'days'), days(5));
  });

  it('days: paused on the due day or after it leaves 0, due at the end of the resume day', () => {
    const due = computeDue(national, vn('02/03/2026 09:00'), days(1));
    assert.deepEqual(remainingAfterPause(national, vn('03/03/2026 09:00'), due, 'days'), days(0));
    assert.deepEqual(remainingAfterPause(national, vn('05/03/2026 09:00'), due, 'days'), days(0));
    assert.equal(show(computeDue(national, vn('10/03/2026 09:00'), days(0))), '10/03/2026 17:00');
    assert.equal(show(computeDue(national, vn('14/03/2026 09:00'), days(0))), '16/03/2026 17:00', 'resumed on a Saturday: Monday');
  });

  it('hours: accepted Thu 12/02/2026 14:00 for 8 h, paused Fri 13/02 09:00, resumed after Tết Mon 23/02 16:00', () => {
    const due = computeDue(national, vn('12/02/2026 14:00'), hours(8));
    assert.equal(show(due), '13/02/2026 14:30', '3 h on Thursday, 4 h + 1 h on Friday');
    const remaining = remainingAfterPause(national, vn('13/02/2026 09:00'), due, 'hours');
    assert.deepEqual(remaining, hours(3.5), '09:00–11:30 and 13:30–14:30');
    assert.equal(show(computeDue(national, vn('23/02/2026 16:00'), remaining)), '24/02/2026 10:00', '1 h on Monday, 2.5 h on Tuesday');
  });

  it('hours: paused during lunch or after the due instant', () => {
    const due = vn('03/03/2026 10:30');
    assert.deepEqual(remainingAfterPause(national, vn('02/03/2026 12:15'), due, 'hours'), hours(6.5), '13:30–17:00 and 07:30–10:30');
    assert.deepEqual(remainingAfterPause(national, vn('03/03/2026 11:00'), due, 'hours'), hours(0));
  });

  it('a supplement request keeps what is left only under the pause policy, of a running days or hours period', () => {
    const due = computeDue(national, vn('02/02/2026 08:00'), days(10));
    const asked = vn('11/02/2026 10:00');
    assert.deepEqual(keptOnSupplementRequest(national, 'pause', asked, due, 'days'), days(3), 'pause keeps 12/02, 13/02 and 23/02');
    assert.equal(keptOnSupplementRequest(national, 'restart', asked, due, 'days'), null, 'restart keeps nothing: the whole period again on receipt');
    assert.deepEqual(
      keptOnSupplementRequest(national, 'pause', vn('13/02/2026 09:00'), vn('13/02/2026 14:30'), 'hours'),
      hours(3.5),
      'pause keeps the office hours left',
    );
    assert.equal(keptOnSupplementRequest(national, 'pause', asked, vn('11/02/2026 17:00'), 'same_day'), null, 'a same-day period has nothing to keep');
    assert.equal(keptOnSupplementRequest(national, 'pause', asked, null, 'days'), null, 'no due date running, nothing to keep');
  });
});

describe('domain/deadline: timeliness (apology lead time) and resolution', () => {
  const dueFri = vn('13/02/2026 17:00');
  const dueAfterTet = vn('23/02/2026 17:00');
  const table: [now: string, due: Date, lead: number, expected: Timeliness, why: string][] = [
    ['13/02/2026 17:00:00', dueFri, 1, 'due_soon', 'exactly at 17:00:00 is not overdue yet'],
    ['13/02/2026 17:00:01', dueFri, 1, 'overdue', 'one second after'],
    ['14/02/2026 09:00', dueFri, 1, 'overdue', 'the day after'],
    ['12/02/2026 10:00', dueFri, 1, 'due_soon', 'due on the next working day, lead 1'],
    ['12/02/2026 10:00', dueFri, 0, 'not_due', 'lead 0 means only "due today"'],
    ['13/02/2026 08:00', dueFri, 0, 'due_soon', 'lead 0, due today'],
    ['11/02/2026 10:00', dueFri, 1, 'not_due', 'two working days ahead'],
    ['13/02/2026 10:00', dueAfterTet, 1, 'due_soon', 'the apology must go out before Tết: Monday 23/02 is the next working day'],
    ['12/02/2026 10:00', dueAfterTet, 1, 'not_due', 'two working days before'],
    ['21/02/2026 10:00', dueAfterTet, 0, 'due_soon', 'on a Saturday, "today" is the next working day'],
  ];
  for (const [now, due, lead, expected, why] of table) {
    it(`now ${now}, due ${show(due)}, lead ${lead} working day(s) → ${expected} (${why})`, () => {
      assert.equal(timelinessAt(national, vn(now), due, lead), expected);
    });
  }

  const resolutions: [resolved: string, expected: Resolution, why: string][] = [
    ['13/02/2026 17:00:00', 'on_time', 'at the due instant'],
    ['13/02/2026 17:00:01', 'late', 'one second after'],
    ['13/02/2026 21:00', 'late', 'in the evening of the due day'],
    ['13/02/2026 07:00', 'on_time', 'early in the morning of the due day is not "trước hạn"'],
    ['12/02/2026 16:59', 'early', 'the day before'],
    ['12/02/2026 23:59:59', 'early', 'the last second of the day before, in Vietnam time'],
  ];
  for (const [resolved, expected, why] of resolutions) {
    it(`resolved ${resolved}, due 13/02/2026 17:00 → ${expected} (${why})`, () => {
      assert.equal(resolutionOf(vn(resolved), dueFri), expected);
    });
  }
});
