import assert from 'node:assert/strict';
import { AgencyRepository } from '../../src/db/agencies';
import { CalendarRepository } from '../../src/db/calendar';
import { DEFAULT_AGENCY_SETTINGS } from '../../src/domain/agency';
import { isoToDay } from '../../src/domain/time';
import { CalendarService } from '../../src/services/calendar';
import { createTestContext, type TestContext } from '../support/context';
import { agencyInput } from '../support/rows';

describe('working calendars cached per instance', function () {
  this.timeout(30_000);
  let ctx: TestContext;
  beforeEach(async () => (ctx = await createTestContext('2026-03-02T09:00:00+07:00')));
  afterEach(async () => ctx.close());

  /** Instance A's calendars, checking the database on every read (recheckMs 0). */
  const instanceA = (): CalendarService =>
    new CalendarService({ db: ctx.db, repo: new CalendarRepository(ctx.db), agencies: new AgencyRepository(ctx.db, 0), clock: ctx.clock, recheckMs: 0 });

  it('sees a calendar entry changed by hand (no insert, no delete) within its recheck', async () => {
    const a = instanceA();
    const swapped = isoToDay('2026-01-10');
    assert.equal((await a.forAgency(null)).isWorkingDay(swapped), true, 'Saturday 10/01/2026 is a swapped working day');
    await ctx.db('calendar_entries').where({ scope: '*', date: '2026-01-10' }).update({ kind: 'off' });
    assert.equal((await a.forAgency(null)).isWorkingDay(swapped), false, 'instance A still counts Saturday 10/01/2026 as a working day after its entry was made a day off by hand');
  });

  it('sees an agency’s new office hours even when its updated_at did not move', async () => {
    const t = Date.parse('2026-03-01T00:00:00Z');
    const agency = await new AgencyRepository(ctx.db).insert(agencyInput('SXD'), t);
    const a = instanceA();
    const wednesday = isoToDay('2026-03-04');
    assert.equal((await a.forAgencyCode('SXD')).calendar.isWorkingDay(wednesday), true, 'Wednesday 04/03/2026 is a working day by default');
    // Another instance, its clock at the same millisecond, closes the office on Wednesdays.
    await new AgencyRepository(ctx.db).update(agency.id, { ...agencyInput('SXD'), settings: { ...DEFAULT_AGENCY_SETTINGS, officeHours: { wed: [] } } }, t);
    assert.equal(
      (await a.forAgencyCode('SXD')).calendar.isWorkingDay(wednesday),
      false,
      'instance A still counts Wednesday as a working day for the agency after another instance closed its office on Wednesdays (same updated_at)',
    );
  });
});
