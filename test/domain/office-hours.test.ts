import assert from 'node:assert/strict';
import { WorkingCalendar } from '../../src/domain/calendar';
import { NATIONAL_DECISIONS } from '../../src/domain/national-calendar';
import { nextOfficeOpening, openingInWords } from '../../src/domain/office-hours';
import { formatVnIso } from '../../src/domain/time';
import { weekScheduleOf } from '../../src/services/calendar';

const vn = (local: string) => new Date(`${local}+07:00`);
const show = (d: Date) => formatVnIso(d).slice(0, 16);

describe('office hours: when a request for someone at work may go out', () => {
  const national = new WorkingCalendar({ entries: NATIONAL_DECISIONS });

  const cases: [string, string, string][] = [
    ['inside the morning', '2026-03-03T09:15:00', '2026-03-03T09:15'],
    ['exactly at opening (open)', '2026-03-03T07:30:00', '2026-03-03T07:30'],
    ['before opening', '2026-03-03T06:00:00', '2026-03-03T07:30'],
    ['exactly at the lunch break (closed)', '2026-03-03T11:30:00', '2026-03-03T13:30'],
    ['during the lunch break', '2026-03-03T12:10:00', '2026-03-03T13:30'],
    ['a minute before closing (open)', '2026-03-03T16:59:00', '2026-03-03T16:59'],
    ['exactly at closing (closed)', '2026-03-03T17:00:00', '2026-03-04T07:30'],
    ['Friday evening: Monday morning', '2026-03-06T17:30:00', '2026-03-09T07:30'],
    ['Sunday: Monday morning', '2026-03-08T10:00:00', '2026-03-09T07:30'],
    ['before the 30/4–1/5 holidays: after them and the weekend', '2026-04-29T17:30:00', '2026-05-04T07:30'],
    ['the Monday off for Giỗ Tổ (26/04 a Sunday): Tuesday', '2026-04-27T10:00:00', '2026-04-28T07:30'],
  ];
  for (const [what, now, expected] of cases) {
    it(`${what}: ${now} → ${expected}`, () => {
      const opening = nextOfficeOpening(national, vn(now));
      assert.equal(show(opening), expected, `the office at ${now} opens (or is open) at ${show(opening)}, expected ${expected}`);
    });
  }

  it("follows the agency's own office hours (Saturday morning open)", () => {
    const saturdays = new WorkingCalendar({ entries: NATIONAL_DECISIONS, schedule: weekScheduleOf({ sat: ['07:30-11:30'] }), agencyCode: 'X' });
    assert.equal(show(nextOfficeOpening(saturdays, vn('2026-03-06T17:30:00'))), '2026-03-07T07:30');
    assert.equal(show(nextOfficeOpening(saturdays, vn('2026-03-07T11:30:00'))), '2026-03-09T07:30');
  });

  it('says the opening in Vietnamese', () => {
    assert.equal(openingInWords(vn('2026-03-09T07:30:00')), '07:30 Thứ Hai, 09/03/2026');
  });
});
