import { strict as assert } from 'node:assert';
import { CalendarChinese, CalendarVietnamese } from 'date-chinese';
import { lunarNewYear, lunarToDay } from '../../src/domain/lunar';
import {
  OCCASIONS,
  defaultNationalEntries,
  deriveNationalEntries,
  occasionYearOf,
  type CalendarEntry,
  type Occasion,
} from '../../src/domain/holidays';
import { NATIONAL_DECISIONS } from '../../src/domain/national-calendar';
import { dayToIso, isoToDay, weekdayOf } from '../../src/domain/time';

const WEEKDAY = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const isWeekend = (iso: string): boolean => [0, 6].includes(weekdayOf(isoToDay(iso)));
const dayName = (iso: string): string => `${WEEKDAY[weekdayOf(isoToDay(iso))]} ${iso}`;
const summary = (entries: CalendarEntry[]): string => entries.map((e) => `${e.date} ${e.occasion}${e.estimate ? ' (estimate)' : ''}`).join('\n  ');

describe('domain/lunar: the Vietnamese lunar calendar (UTC+7)', () => {
  // domain.md: Tết (mùng 1) and Giỗ Tổ (10/3 âm lịch) per year.
  const table: [year: number, tet: string, gioTo: string][] = [
    [2024, '2024-02-10', '2024-04-18'],
    [2025, '2025-01-29', '2025-04-07'],
    [2026, '2026-02-17', '2026-04-26'],
    [2027, '2027-02-06', '2027-04-16'],
    [2028, '2028-01-26', '2028-04-04'],
    [2029, '2029-02-13', '2029-04-23'],
    [2030, '2030-02-02', '2030-04-12'],
  ];
  for (const [year, tet, gioTo] of table) {
    it(`${year}: mùng 1 Tết is ${tet} and Giỗ Tổ (10/3 âm lịch) is ${gioTo}`, () => {
      assert.equal(dayToIso(lunarNewYear(year)), tet, `lunarNewYear(${year})`);
      assert.equal(dayToIso(lunarToDay(year, 3, 10)), gioTo, `lunarToDay(${year}, 3, 10)`);
    });
  }

  it('Tết 2030 is Saturday 02/02/2030 in Vietnam, although the Chinese (UTC+8) calendar says 03/02', () => {
    assert.equal(dayToIso(lunarNewYear(2030)), '2030-02-02');
    assert.equal(WEEKDAY[weekdayOf(lunarNewYear(2030))], 'Saturday');
    // The same question to date-chinese's Chinese calendar, to show the test can tell them apart.
    const cn = new CalendarChinese();
    cn.fromJDE(cn.newYear(2030));
    assert.deepEqual(cn.toGregorian(2030), { year: 2030, month: 2, day: 3 }, 'the Chinese calendar should put Tết 2030 on 03/02');
    const vn = new CalendarVietnamese();
    vn.fromJDE(vn.newYear(2030));
    assert.deepEqual(vn.toGregorian(2030), { year: 2030, month: 2, day: 2 });
  });

  it('Giỗ Tổ 2037 and 2038 are a day earlier than the Chinese calendar would put them', () => {
    const chinese = (year: number): string => {
      const c = new CalendarChinese();
      c.fromJDE(c.newYear(year));
      const [cycle, y] = c.get();
      const g = new CalendarChinese(cycle, y, 3, 0, 10).toGregorian(year);
      return `${g.year}-${String(g.month).padStart(2, '0')}-${String(g.day).padStart(2, '0')}`;
    };
    assert.equal(dayToIso(lunarToDay(2037, 3, 10)), '2037-04-24');
    assert.equal(chinese(2037), '2037-04-25');
    assert.equal(dayToIso(lunarToDay(2038, 3, 10)), '2038-04-13');
    assert.equal(chinese(2038), '2038-04-14');
  });

  it('rejects a lunar date that does not exist instead of rolling it into the next month', () => {
    assert.equal(dayToIso(lunarToDay(2025, 3, 30)), '2025-04-27', 'month 3 of Ất Tỵ has 30 days');
    assert.throws(() => lunarToDay(2024, 3, 30), RangeError, 'month 3 of Giáp Thìn has only 29 days');
    assert.throws(() => lunarToDay(2026, 13, 1), RangeError);
    assert.throws(() => lunarToDay(2026, 3, 0), RangeError);
  });

  it('refuses years where the astronomy is not trusted', () => {
    assert.throws(() => lunarNewYear(1800), RangeError);
    assert.throws(() => lunarNewYear(2026.5), RangeError);
  });
});

describe('domain/holidays: law-derived national days (Bộ luật Lao động 2019, Điều 111–112)', () => {
  describe('2026 with no decision at all', () => {
    const expected: [date: string, occasion: Occasion, estimate: boolean][] = [
      ['2026-01-01', 'tet_duong_lich', false],
      ['2026-02-16', 'tet_am_lich', true], // the last day of the lunar year (29 tháng Chạp)
      ['2026-02-17', 'tet_am_lich', true],
      ['2026-02-18', 'tet_am_lich', true],
      ['2026-02-19', 'tet_am_lich', true],
      ['2026-02-20', 'tet_am_lich', true],
      ['2026-04-26', 'gio_to', false], // Sunday
      ['2026-04-27', 'gio_to', false], // compensatory Monday (Điều 111)
      ['2026-04-30', 'giai_phong', false],
      ['2026-05-01', 'quoc_te_lao_dong', false],
      ['2026-09-01', 'quoc_khanh', true], // 2/9 is a Wednesday: the estimate takes the day before
      ['2026-09-02', 'quoc_khanh', false],
    ];
    it('lists exactly the law days, with Tết and the Quốc khánh neighbour flagged as estimates', () => {
      const got = defaultNationalEntries(2026).map((e): [string, Occasion | null, boolean] => [e.date, e.occasion, e.estimate]);
      assert.deepEqual(got, expected, `got:\n  ${summary(defaultNationalEntries(2026))}`);
    });
    it('every entry is national, off, and named and sourced in NFC Vietnamese', () => {
      for (const e of defaultNationalEntries(2026)) {
        assert.equal(e.kind, 'off');
        assert.equal(e.agencyCode, null);
        assert.equal(e.name, e.name.normalize('NFC'), `name of ${e.date} should be NFC`);
        assert.equal(e.source, e.source.normalize('NFC'), `source of ${e.date} should be NFC`);
        assert.match(e.source, /Bộ luật Lao động 2019, Điều 11[12]/);
      }
      const comp = defaultNationalEntries(2026).find((e) => e.date === '2026-04-27')!;
      assert.equal(comp.name, 'Giỗ Tổ Hùng Vương (nghỉ bù)');
      assert.match(comp.source, /Điều 111/);
      assert.match(comp.source, /26\/04\/2026/);
    });
  });

  describe('compensatory days: a holiday on Saturday or Sunday moves to the next free working day', () => {
    const table: [year: number, holiday: string, compensatory: string, why: string][] = [
      [2022, '2022-01-01', '2022-01-03', 'Tết Dương lịch on Saturday → Monday'],
      [2023, '2023-01-01', '2023-01-02', 'Tết Dương lịch on Sunday → Monday'],
      [2022, '2022-04-10', '2022-04-11', 'Giỗ Tổ on Sunday → Monday'],
      [2022, '2022-04-30', '2022-05-02', '30/4 on Saturday → Monday'],
      [2022, '2022-05-01', '2022-05-03', '1/5 on Sunday → Tuesday, since Monday is already 30/4’s'],
      [2023, '2023-04-29', '2023-05-02', 'Giỗ Tổ on Saturday 29/4 → Tuesday, Monday 1/5 is itself a holiday'],
      [2023, '2023-04-30', '2023-05-03', '30/4 on Sunday → Wednesday'],
      [2023, '2023-09-02', '2023-09-04', 'Quốc khánh on Saturday → Monday (the neighbour is Friday 1/9)'],
      [2027, '2027-02-06', '2027-02-10', 'mùng 1 Tết on Saturday → Wednesday, after the Tết days'],
      [2027, '2027-02-07', '2027-02-11', 'mùng 2 Tết on Sunday → Thursday'],
      [2027, '2027-05-01', '2027-05-03', '1/5 on Saturday → Monday'],
      [2029, '2029-09-02', '2029-09-04', 'Quốc khánh on Sunday → Tuesday, Monday 3/9 is the neighbour day'],
    ];
    for (const [year, holiday, compensatory, why] of table) {
      it(`${year}: ${why}`, () => {
        const entries = defaultNationalEntries(year);
        const h = entries.find((e) => e.date === holiday);
        assert.ok(h, `expected ${dayName(holiday)} to be a holiday in\n  ${summary(entries)}`);
        const c = entries.find((e) => e.date === compensatory);
        assert.ok(c, `expected ${dayName(compensatory)} to be the compensatory day for ${holiday}, but the ${year} list is\n  ${summary(entries)}`);
        assert.equal(c.occasion, h.occasion, 'a compensatory day keeps its holiday’s occasion');
        assert.match(c.name, /\(nghỉ bù\)$/);
        assert.match(c.source, /Điều 111/);
      });
    }

    it('holds for every year 1990–2200: one compensatory weekday per weekend holiday, never on another day off', () => {
      for (let year = 1990; year <= 2200; year++) {
        const entries = defaultNationalEntries(year);
        const dates = entries.map((e) => e.date);
        assert.equal(new Set(dates).size, dates.length, `${year}: a date is listed twice:\n  ${summary(entries)}`);
        assert.ok(dates.every((d) => d.startsWith(`${year}-`)), `${year}: a day falls outside the year`);
        assert.deepEqual([...dates].sort(), dates, `${year}: entries must be sorted by date`);
        const comps = entries.filter((e) => e.name.endsWith('(nghỉ bù)'));
        const weekendHolidays = entries.filter((e) => !e.name.endsWith('(nghỉ bù)') && isWeekend(e.date));
        assert.equal(comps.length, weekendHolidays.length, `${year}: ${weekendHolidays.length} holidays on a weekend but ${comps.length} compensatory days`);
        for (const c of comps) assert.ok(!isWeekend(c.date), `${year}: compensatory day ${dayName(c.date)} is on a weekend`);
        const tet = entries.filter((e) => e.occasion === 'tet_am_lich' && !e.name.endsWith('(nghỉ bù)'));
        assert.equal(tet.length, 5, `${year}: Tết has 5 days`);
        assert.equal(isoToDay(tet[4].date) - isoToDay(tet[0].date), 4, `${year}: Tết days are consecutive`);
        assert.equal(tet[1].date, dayToIso(lunarNewYear(year)), `${year}: the second Tết day is mùng 1`);
        assert.equal(entries.filter((e) => e.occasion === 'quoc_khanh' && !e.name.endsWith('(nghỉ bù)')).length, 2, `${year}: Quốc khánh has 2 days`);
      }
    });
  });

  describe('Quốc khánh: 2/9 and the neighbour day that joins a weekend (estimate)', () => {
    const table: [year: number, weekdayOf2_9: string, neighbour: string][] = [
      [2021, 'Thursday', '2021-09-03'], // the 2021 decision: Thu 2/9–Sun 5/9
      [2022, 'Friday', '2022-09-01'], // 2022: Thu 1/9–Sun 4/9 (3/9 would be a Saturday)
      [2023, 'Saturday', '2023-09-01'], // 2023: Fri 1/9–Mon 4/9
      [2024, 'Monday', '2024-09-03'], // 2024: Sat 31/8–Tue 3/9 (1/9 is a Sunday)
      [2025, 'Tuesday', '2025-09-01'], // 2025: Sat 30/8–Tue 2/9
      [2026, 'Wednesday', '2026-09-01'], // neither joins a weekend: the day before
      [2029, 'Sunday', '2029-09-03'], // 1/9 is a Saturday: Monday, then 2/9 is compensated on Tuesday
    ];
    for (const [year, weekday, neighbour] of table) {
      it(`${year}: 2/9 on ${weekday} → neighbour ${neighbour}`, () => {
        assert.equal(WEEKDAY[weekdayOf(isoToDay(`${year}-09-02`))], weekday, 'test table is wrong');
        const qk = defaultNationalEntries(year).filter((e) => e.occasion === 'quoc_khanh');
        const n = qk.find((e) => e.name.includes('liền kề'));
        assert.ok(n, `no neighbour day in ${summary(qk)}`);
        assert.equal(n.date, neighbour);
        assert.equal(n.estimate, true, 'the choice of neighbour is an estimate until decided');
        assert.equal(qk.find((e) => e.date === `${year}-09-02`)?.estimate, false, '2/9 itself is fixed by law');
      });
    }
  });

  describe('estimate flags', () => {
    it('fixed-date law holidays are not estimates; Tết days and their compensatory days are', () => {
      const y2027 = defaultNationalEntries(2027);
      for (const e of y2027) {
        const shouldEstimate = e.occasion === 'tet_am_lich' || (e.occasion === 'quoc_khanh' && e.date !== '2027-09-02');
        assert.equal(e.estimate, shouldEstimate, `${e.date} ${e.name}: estimate should be ${shouldEstimate}`);
      }
    });
    it('a compensatory day that had to step over an estimated day is itself an estimate (2029: 2/9 Sunday → Tuesday 4/9)', () => {
      const comp = defaultNationalEntries(2029).find((e) => e.date === '2029-09-04')!;
      assert.equal(comp.estimate, true);
    });
    it('a compensatory day that follows from the law alone is not (2023: 2/9 Saturday → Monday 4/9)', () => {
      const comp = defaultNationalEntries(2023).find((e) => e.date === '2023-09-04')!;
      assert.equal(comp.estimate, false);
    });
  });

  describe('deriveNationalEntries with decisions', () => {
    const decision = (date: string, occasion: Occasion | null, kind: 'off' | 'work' = 'off', agencyCode: string | null = null): CalendarEntry => ({
      date, kind, occasion, name: 'test', source: 'test', estimate: false, agencyCode,
    });

    it('a decision about an occasion removes all of that occasion’s derived days (compensatory ones too), and only those', () => {
      const derived = deriveNationalEntries(2027, [decision('2027-02-08', 'tet_am_lich')]);
      assert.equal(derived.filter((e) => e.occasion === 'tet_am_lich').length, 0, summary(derived));
      assert.ok(derived.some((e) => e.occasion === 'quoc_khanh'));
      assert.equal(derived.length, defaultNationalEntries(2027).length - 7);
    });

    it('decisions of other years, agencies’ overrides and occasion-less entries do not replace anything', () => {
      const all = defaultNationalEntries(2027).length;
      assert.equal(deriveNationalEntries(2027, [decision('2026-02-17', 'tet_am_lich')]).length, all);
      assert.equal(deriveNationalEntries(2027, [decision('2027-02-08', 'tet_am_lich', 'off', 'SO-TP')]).length, all);
      assert.equal(deriveNationalEntries(2027, [decision('2027-03-08', null)]).length, all);
    });

    it('a compensatory day skips a day another decision already gives off', () => {
      // 1/5/2027 is a Saturday → Monday 3/5, unless Monday is already off by decision.
      const derived = deriveNationalEntries(2027, [decision('2027-05-03', null)]);
      const comp = derived.find((e) => e.occasion === 'quoc_te_lao_dong' && e.name.endsWith('(nghỉ bù)'));
      assert.equal(comp?.date, '2027-05-04');
    });

    it('a December day of a Tết Dương lịch decision belongs to the next year’s occasion', () => {
      assert.equal(occasionYearOf({ date: '2018-12-31', occasion: 'tet_duong_lich' }), 2019);
      assert.equal(occasionYearOf({ date: '2018-12-31', occasion: null }), 2018);
      assert.equal(occasionYearOf({ date: '2019-01-01', occasion: 'tet_duong_lich' }), 2019);
      const derived2018 = deriveNationalEntries(2018, [decision('2018-12-31', 'tet_duong_lich')]);
      assert.ok(derived2018.some((e) => e.date === '2018-01-01'), '1/1/2018 must survive a decision about New Year 2019');
      const derived2019 = deriveNationalEntries(2019, [decision('2018-12-31', 'tet_duong_lich'), decision('2019-01-01', 'tet_duong_lich')]);
      assert.ok(!derived2019.some((e) => e.occasion === 'tet_duong_lich'));
    });
  });
});

describe('domain/national-calendar: shipped decisions', () => {
  it('every entry is a well-formed national entry with a Vietnamese NFC name and a source', () => {
    const seen = new Set<string>();
    for (const e of NATIONAL_DECISIONS) {
      assert.doesNotThrow(() => isoToDay(e.date), `${e.date} is not a real date`);
      assert.ok(!seen.has(e.date), `${e.date} listed twice`);
      seen.add(e.date);
      assert.equal(e.agencyCode, null);
      assert.ok(e.occasion === null || OCCASIONS.includes(e.occasion));
      assert.ok(e.name.length > 0 && e.source.length > 0, `${e.date} needs a name and a source`);
      assert.equal(e.name, e.name.normalize('NFC'));
      assert.equal(e.source, e.source.normalize('NFC'));
      if (e.kind === 'work') assert.equal(weekdayOf(isoToDay(e.date)), 6, `working day ${e.date} should be a swapped Saturday`);
    }
  });

  it('every entry marked as an estimate says in its source why (not checked against the document)', () => {
    for (const e of NATIONAL_DECISIONS.filter((x) => x.estimate)) {
      assert.match(e.source, /chưa đối chiếu/, `${e.date}: an estimate must say it was not checked against the original`);
    }
  });

  it('2026: the confirmed decisions, and nothing about Quốc khánh (only proposals seen)', () => {
    const y2026 = NATIONAL_DECISIONS.filter((e) => e.date.startsWith('2026-'));
    assert.ok(y2026.every((e) => !e.estimate), '2026 decisions are confirmed');
    assert.ok(!y2026.some((e) => e.occasion === 'quoc_khanh'));
    const get = (date: string): CalendarEntry | undefined => y2026.find((e) => e.date === date);
    assert.equal(get('2026-01-02')?.kind, 'off');
    assert.equal(get('2026-01-10')?.kind, 'work');
    for (const d of ['2026-02-16', '2026-02-17', '2026-02-18', '2026-02-19', '2026-02-20']) assert.equal(get(d)?.kind, 'off', d);
    assert.equal(get('2026-04-27')?.name, 'Giỗ Tổ Hùng Vương (nghỉ bù)');
    assert.match(get('2026-04-27')!.source, /chưa thấy thông báo/);
  });
});
