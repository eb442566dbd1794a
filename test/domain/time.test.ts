import { strict as assert } from 'node:assert';
import {
  VN_OFFSET_MINUTES,
  dayToIso,
  dayToVn,
  dayToYmd,
  formatHhmm,
  formatVnIso,
  instantAt,
  isoToDay,
  localDayOf,
  minuteOfDay,
  parseHhmm,
  parseInstant,
  weekdayOf,
  yearOfDay,
  ymdToDay,
} from '../../src/domain/time';

describe('domain/time', () => {
  it('Vietnam is UTC+07:00 (420 minutes), with no daylight saving', () => {
    assert.equal(VN_OFFSET_MINUTES, 420);
  });

  describe('day numbers', () => {
    const table: [iso: string, day: number, weekday: number][] = [
      ['1970-01-01', 0, 4],
      ['1969-12-31', -1, 3],
      ['2000-02-29', 11016, 2],
      ['2026-02-17', 20501, 2], // mùng 1 Tết Bính Ngọ, a Tuesday
      ['2026-01-10', 20463, 6], // the swapped working Saturday
      ['2100-03-01', 47541, 1], // 2100 is not a leap year
    ];
    for (const [iso, day, weekday] of table) {
      it(`${iso} is day ${day}, weekday ${weekday}, and round-trips`, () => {
        assert.equal(isoToDay(iso), day, `isoToDay('${iso}')`);
        assert.equal(dayToIso(day), iso, `dayToIso(${day})`);
        assert.equal(weekdayOf(day), weekday, `weekday of ${iso} (0 = Sunday)`);
        const [y, m, d] = iso.split('-').map(Number);
        assert.deepEqual(dayToYmd(day), { year: y, month: m, day: d });
        assert.equal(ymdToDay(y, m, d), day);
      });
    }

    it('agrees with Date.UTC for every day from 1900 to 2300 (checks the integer algorithm, not the TZ)', () => {
      for (let day = ymdToDay(1900, 1, 1); day <= ymdToDay(2300, 12, 31); day++) {
        const d = new Date(day * 86_400_000);
        const expected = { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
        const got = dayToYmd(day);
        if (got.year !== expected.year || got.month !== expected.month || got.day !== expected.day) {
          assert.fail(`day ${day}: expected ${JSON.stringify(expected)} but got ${JSON.stringify(got)}`);
        }
        if (yearOfDay(day) !== expected.year) assert.fail(`yearOfDay(${day}) should be ${expected.year}, got ${yearOfDay(day)}`);
        if (weekdayOf(day) !== d.getUTCDay()) assert.fail(`weekdayOf(${day}) should be ${d.getUTCDay()}`);
      }
    });

    const impossible = ['2026-02-30', '2025-02-29', '2026-13-01', '2026-00-10', '2026-04-31', '2026-1-05', '26-01-05', '2026-01-05T00:00', ' 2026-01-05', ''];
    for (const iso of impossible) {
      it(`isoToDay rejects ${JSON.stringify(iso)} with a RangeError`, () => {
        assert.throws(() => isoToDay(iso), RangeError);
      });
    }

    it('ymdToDay rejects impossible dates instead of rolling them over', () => {
      assert.throws(() => ymdToDay(2026, 2, 30), RangeError);
      assert.throws(() => ymdToDay(2026, 0, 1), RangeError);
      assert.throws(() => ymdToDay(2026, 1, 1.5), RangeError);
      assert.equal(ymdToDay(2024, 2, 29), isoToDay('2024-02-29'));
    });

    it('writes Vietnamese dd/mm/yyyy', () => {
      assert.equal(dayToVn(isoToDay('2026-02-05')), '05/02/2026');
    });
  });

  describe('local day and minute of an instant', () => {
    const table: [utc: string, localIso: string, minute: number][] = [
      ['2026-02-26T10:00:00Z', '2026-02-26', 17 * 60],
      ['2026-02-26T16:59:59.999Z', '2026-02-26', 23 * 60 + 59], // 23:59:59.999 in Hà Nội
      ['2026-02-26T17:00:00Z', '2026-02-27', 0], // local midnight
      ['2026-02-25T23:30:00Z', '2026-02-26', 6 * 60 + 30],
      ['1969-12-31T17:00:00Z', '1970-01-01', 0],
      ['1969-12-31T16:59:00Z', '1969-12-31', 1439],
    ];
    for (const [utc, localIso, minute] of table) {
      it(`${utc} is ${localIso} minute ${minute} in Vietnam`, () => {
        const instant = new Date(utc);
        assert.equal(dayToIso(localDayOf(instant)), localIso);
        assert.equal(minuteOfDay(instant), minute);
      });
    }

    it('instantAt is the inverse: local day + minute → UTC instant', () => {
      assert.equal(instantAt(isoToDay('2026-02-26'), 17 * 60).toISOString(), '2026-02-26T10:00:00.000Z');
      assert.equal(instantAt(isoToDay('2026-02-26'), 0).toISOString(), '2026-02-25T17:00:00.000Z');
      assert.equal(instantAt(isoToDay('2026-02-26'), 1440).toISOString(), '2026-02-26T17:00:00.000Z');
      assert.equal(instantAt(isoToDay('2026-02-26'), 90.5).toISOString(), '2026-02-25T18:30:30.000Z');
    });

    it('rejects an Invalid Date instead of producing NaN days', () => {
      assert.throws(() => localDayOf(new Date(NaN)), RangeError);
      assert.throws(() => formatVnIso(new Date(NaN)), RangeError);
    });
  });

  describe('formatVnIso', () => {
    const table: [utc: string, expected: string][] = [
      ['2026-02-26T10:00:00Z', '2026-02-26T17:00:00+07:00'],
      ['2026-02-26T10:00:00.999Z', '2026-02-26T17:00:00+07:00'], // milliseconds dropped, not rounded up
      ['2026-12-31T17:00:00Z', '2027-01-01T00:00:00+07:00'],
      ['2026-01-01T00:00:05Z', '2026-01-01T07:00:05+07:00'],
    ];
    for (const [utc, expected] of table) {
      it(`${utc} → ${expected}`, () => assert.equal(formatVnIso(new Date(utc)), expected));
    }
  });

  describe('parseInstant', () => {
    const valid: [text: string, utc: string, why: string][] = [
      ['2026-02-26T17:00:00+07:00', '2026-02-26T10:00:00.000Z', 'explicit Vietnam offset'],
      ['2026-02-26T10:00:00Z', '2026-02-26T10:00:00.000Z', 'UTC'],
      ['2026-02-26T10:00:00z', '2026-02-26T10:00:00.000Z', 'lower-case z (RFC 3339)'],
      ['2026-02-26T05:00:00-05:00', '2026-02-26T10:00:00.000Z', 'a negative offset is honoured'],
      ['2026-02-26T15:30:00+0530', '2026-02-26T10:00:00.000Z', 'basic-format offset'],
      ['2026-02-26T10:00:00.570Z', '2026-02-26T10:00:00.570Z', 'milliseconds kept exactly'],
      ['2026-02-26T10:00:00.123456789Z', '2026-02-26T10:00:00.123Z', 'sub-millisecond digits truncated'],
      ['2026-02-26', '2026-02-25T17:00:00.000Z', 'a bare date is Vietnam-local midnight'],
      ['2026-02-26T17:00', '2026-02-26T10:00:00.000Z', 'a date-time without zone is Vietnam-local'],
      ['2026-02-26 17:00:30', '2026-02-26T10:00:30.000Z', 'a space instead of T'],
      ['2024-02-29T00:00:00+07:00', '2024-02-28T17:00:00.000Z', 'leap day'],
    ];
    for (const [text, utc, why] of valid) {
      it(`reads ${JSON.stringify(text)} as ${utc} (${why})`, () => {
        const got = parseInstant(text);
        assert.ok(got, `expected ${JSON.stringify(text)} to parse`);
        assert.equal(got.toISOString(), utc);
      });
    }

    const invalid: [text: string, why: string][] = [
      ['2026-02-30', 'February has no 30th'],
      ['2026-02-30T10:00:00Z', 'February has no 30th, even with a zone'],
      ['2025-02-29T10:00:00Z', '2025 is not a leap year'],
      ['2026-02-26T25:00', 'hour 25'],
      ['2026-02-26T24:00:00Z', 'hour 24'],
      ['2026-02-26T10:60:00Z', 'minute 60'],
      ['2026-02-26T10:00:60Z', 'leap second'],
      ['2026-02-26T10:00:00+24:00', 'offset beyond 23:59'],
      ['2026-02-26T10:00:00+07:60', 'offset minutes 60'],
      ['2026-02-26Z', 'zone without a time'],
      ['2026-2-26', 'one-digit month'],
      ['26/02/2026', 'Vietnamese display format is not an interchange format'],
      ['2026-02-26T10', 'hour without minutes'],
      ['2026-02-26T10:00:00+07', 'offset without minutes'],
      ['', 'empty'],
      ['not a date', 'garbage'],
      ['2026-02-26T10:00:00Z ', 'trailing space'],
    ];
    for (const [text, why] of invalid) {
      it(`returns null for ${JSON.stringify(text)} (${why})`, () => {
        const got = parseInstant(text);
        assert.equal(got, null, `expected null but got ${got?.toISOString()}`);
      });
    }

    it('round-trips with formatVnIso', () => {
      const text = '2026-02-13T16:59:59+07:00';
      assert.equal(formatVnIso(parseInstant(text)!), text);
    });
  });

  describe('HH:mm', () => {
    const good: [string, number][] = [['07:30', 450], ['7:30', 450], ['00:00', 0], ['23:59', 1439], ['17:00', 1020], ['24:00', 1440]];
    for (const [text, minute] of good) {
      it(`parses ${text} as ${minute}`, () => assert.equal(parseHhmm(text), minute));
    }
    const bad = ['24:01', '25:00', '07:60', '0730', '07:3', '', 'ab:cd', '-1:00', '07:30:00'];
    for (const text of bad) {
      it(`rejects ${JSON.stringify(text)}`, () => assert.throws(() => parseHhmm(text), RangeError));
    }
    it('formats minutes', () => {
      assert.equal(formatHhmm(450), '07:30');
      assert.equal(formatHhmm(0), '00:00');
      assert.equal(formatHhmm(1440), '24:00');
      assert.throws(() => formatHhmm(1441), RangeError);
      assert.throws(() => formatHhmm(-1), RangeError);
      assert.throws(() => formatHhmm(7.5), RangeError);
    });
  });
});
