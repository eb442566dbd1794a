import assert from 'node:assert/strict';
import { apologyRefusal, type ApologyFacts, isLateApology, letterFormFor, newDatePassedReason, newDayRefusal, proposedNewDay } from '../../src/domain/apology';
import { WorkingCalendar } from '../../src/domain/calendar';
import { NATIONAL_DECISIONS } from '../../src/domain/national-calendar';
import { dayToIso, isoToDay } from '../../src/domain/time';

const cal = new WorkingCalendar({ entries: [...NATIONAL_DECISIONS] });
const at = (s: string) => new Date(s);

describe('domain/apology: the late-dossier rule', () => {
  const open: ApologyFacts = { state: 'processing', currentDueAt: at('2026-03-09T17:00:00+07:00').getTime(), extensionsCount: 0, maxExtensions: 1 };

  it('allows an open dossier with a deadline and no re-appointment yet', () => {
    assert.equal(apologyRefusal(open), null);
  });

  const refusals: [string, Partial<ApologyFacts>, string, number][] = [
    ['a resolved dossier', { state: 'resolved' }, 'dossier-resolved', 409],
    ['a returned dossier', { state: 'returned' }, 'dossier-resolved', 409],
    ['a withdrawn dossier', { state: 'withdrawn' }, 'dossier-closed', 409],
    ['a rejected dossier', { state: 'rejected' }, 'dossier-closed', 409],
    ['a dossier waiting for a supplement', { state: 'waiting_supplement', currentDueAt: null }, 'dossier-paused', 409],
    ['a dossier already re-appointed maxExtensions times', { extensionsCount: 1 }, 'max-extensions', 422],
  ];
  for (const [what, patch, code, status] of refusals) {
    it(`refuses ${what} with ${status} ${code}`, () => {
      const r = apologyRefusal({ ...open, ...patch });
      assert.equal(r?.code, code);
      assert.equal(r?.status, status);
      assert.ok(r && r.message.length > 10, 'the refusal explains itself in Vietnamese');
    });
  }

  it('allows a second re-appointment when an agency sets maxExtensions to 2', () => {
    assert.equal(apologyRefusal({ ...open, extensionsCount: 1, maxExtensions: 2 }), null);
  });

  it('proposes the due day + extension in working days, counting from today when the due date is long gone', () => {
    const due = at('2026-02-13T17:00:00+07:00'); // last working day before Tết 2026
    assert.equal(dayToIso(proposedNewDay(cal, due, 1, at('2026-02-10T09:00:00+07:00'))), '2026-02-23', 'one working day after 13/02 skips Tết');
    assert.equal(dayToIso(proposedNewDay(cal, due, 5, at('2026-03-02T09:00:00+07:00'))), '2026-03-09', 'slipped long ago: from today (02/03) + 5');
  });

  it('accepts only a working day after the current due day and after today', () => {
    const due = at('2026-03-09T17:00:00+07:00');
    const now = at('2026-03-02T09:00:00+07:00');
    assert.equal(newDayRefusal(cal, due, isoToDay('2026-03-10'), now), null);
    assert.equal(newDayRefusal(cal, due, isoToDay('2026-03-09'), now)?.code, 'new-date-not-after-due');
    assert.equal(newDayRefusal(cal, due, isoToDay('2026-03-14'), now)?.code, 'new-date-not-working-day', 'Saturday 14/03');
    assert.equal(newDayRefusal(cal, due, isoToDay('2026-04-27'), now)?.code, 'new-date-not-working-day', 'the compensatory Monday for Giỗ Tổ');
    assert.equal(newDayRefusal(cal, due, isoToDay('2026-03-10'), at('2026-03-10T08:00:00+07:00'))?.code, 'new-date-past');
  });

  it('marks as late an apology issued after the deadline it apologises for', () => {
    const due = at('2026-03-09T17:00:00+07:00');
    assert.equal(isLateApology(at('2026-03-09T16:59:59+07:00'), due), false);
    assert.equal(isLateApology(at('2026-03-09T17:00:00+07:00'), due), false);
    assert.equal(isLateApology(at('2026-03-09T17:00:01+07:00'), due), true);
  });

  it('picks Mẫu 04 of TT 03/2025 from 1/7/2025 and TT 01/2018 before', () => {
    assert.equal(letterFormFor(at('2025-06-30T23:59:59+07:00').getTime()), 'tt01-2018');
    assert.equal(letterFormFor(at('2025-07-01T00:00:00+07:00').getTime()), 'tt03-2025');
  });
});

describe('domain/apology: a new date that came while the letter waited for a signature', () => {
  const monday = at('2026-03-16T17:00:00+07:00');
  it('has nothing to say while the new date is still ahead (Friday 17:30, Sunday night)', () => {
    assert.equal(newDatePassedReason(monday, at('2026-03-13T17:30:00+07:00')), null);
    assert.equal(newDatePassedReason(monday, at('2026-03-15T23:59:00+07:00')), null);
  });
  it('names the date once it has come (Monday 07:30: the held request goes out) and what to do', () => {
    assert.equal(newDatePassedReason(monday, at('2026-03-16T07:30:00+07:00')), 'Ngày hẹn mới 16/03/2026 đã đến trước khi thư được ký số và ban hành: cần chọn ngày hẹn mới rồi phê duyệt lại');
  });
  it('names today too once the date has gone by', () => {
    assert.match(newDatePassedReason(monday, at('2026-03-17T09:00:00+07:00')) ?? '', /^Ngày hẹn mới 16\/03\/2026 đã qua \(hôm nay 17\/03\/2026\)/);
  });
});
