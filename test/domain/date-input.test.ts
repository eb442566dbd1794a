import { strict as assert } from 'node:assert';
import { dateTimeInputText, dayInputText, parseDateTimeInput, parseDayInput } from '../../src/domain/date-input';
import { formatVnIso, isoToDay } from '../../src/domain/time';

describe('domain/date-input: dates typed as dd/mm/yyyy whatever the browser’s language', () => {
  it('reads dd/mm/yyyy, d/m/yyyy, dd-mm-yyyy and dd.mm.yyyy as the same day, and yyyy-mm-dd from old links', () => {
    for (const typed of ['05/03/2026', '5/3/2026', '05-03-2026', '5.3.2026', ' 05/03/2026 ', '2026-03-05']) {
      assert.equal(parseDayInput(typed), isoToDay('2026-03-05'), `"${typed}" should be read as 5 March 2026 (day first, as Vietnamese dates are written)`);
    }
  });

  it('refuses what is no date or an impossible one, never rolling it over', () => {
    for (const typed of ['', '31/02/2026', '29/02/2025', '00/03/2026', '05/13/2026', '05/03/26', 'hôm qua', '2026/03/05x', '05/03/2026 09:00', '2026-3-5T']) {
      assert.equal(parseDayInput(typed), null, `"${typed}" is not a day and should be refused`);
    }
    assert.equal(parseDayInput('29/02/2028'), isoToDay('2028-02-29'), '29 February of a leap year is a day');
  });

  it('reads a date and a time in Vietnam, and the ISO form the old date-time fields sent', () => {
    for (const typed of ['12/02/2026 09:30', '12/2/2026 9:30', '12-02-2026  09:30', '2026-02-12T09:30']) {
      const d = parseDateTimeInput(typed);
      assert.ok(d, `"${typed}" should be read as a moment`);
      assert.equal(formatVnIso(d), '2026-02-12T09:30:00+07:00', `"${typed}" is 09:30 on 12 February 2026, Vietnam time`);
    }
    for (const typed of ['12/02/2026', '12/02/2026 24:00', '12/02/2026 09:60', '30/02/2026 09:00', '09:30', '12/02/2026 9h30']) {
      assert.equal(parseDateTimeInput(typed), null, `"${typed}" is not a date with a time and should be refused`);
    }
  });

  it('shows days and moments as a form writes them', () => {
    assert.equal(dayInputText(isoToDay('2026-03-05')), '05/03/2026');
    assert.equal(dateTimeInputText(new Date('2026-02-12T02:30:00Z')), '12/02/2026 09:30', 'the moment is shown in Vietnam time (UTC+7)');
  });
});
