import assert from 'node:assert/strict';
import supertest from 'supertest';
import { createApp } from '../../src/app';
import { buildServices } from '../../src/compose';
import { SYSTEM_ACTOR } from '../../src/domain/actor';
import { createLogger } from '../../src/logger';
import { VIRTUAL_NOW_HEADER } from '../../src/clock';
import { setVirtualNow, VirtualClock } from '../../src/replay/virtual-clock';
import { AGENCY, dossierBody, freshDatabase, PROCEDURE, type FreshDatabase } from '../support/context';
import { FakePdfRenderer } from '../fakes/pdf';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-02-12T08:00:00+07:00');

/**
 * A server on a replay's virtual clock (HENLAI_CLOCK=virtual) that has not yet polled the driver's
 * latest move: a request saying where the driver put the clock makes it read the shared now first.
 */
describe('a server on the virtual clock asked about an instant just ahead of its last read', () => {
  let fresh: FreshDatabase;
  let clock: VirtualClock;
  let api: (method: 'get' | 'post', url: string) => supertest.Test;

  beforeEach(async () => {
    fresh = await freshDatabase();
    await setVirtualNow(fresh.db, T0);
    // Not started: this server's now moves only when something asks it to read the shared row.
    clock = await VirtualClock.open(fresh.db);
    const services = buildServices(fresh.config, fresh.db, clock, createLogger('silent'), { pdf: new FakePdfRenderer() });
    const app = createApp(services);
    const { token } = await services.tokens.create('test', null, SYSTEM_ACTOR);
    api = (method, url) => supertest(app)[method](url).set('Authorization', `Bearer ${token}`);
    await api('post', '/api/v1/agencies').send(AGENCY).expect(201);
    await api('post', '/api/v1/procedures').send(PROCEDURE).expect(201);
  });
  afterEach(async () => {
    await clock.stop();
    await fresh.close();
  });

  const acceptedAnHourAfterT0 = (code: string) => dossierBody({ code, acceptedAt: new Date(T0 + HOUR).toISOString() });

  it('reads the shared now again when the request names a later one, and receives the dossier instead of refusing it', async () => {
    await setVirtualNow(fresh.db, T0 + 2 * HOUR); // the driver's move, not yet seen by the server

    const without = await api('post', '/api/v1/dossiers').send(acceptedAnHourAfterT0('H13.01-260212-0001'));
    assert.equal(without.status, 400, `without the header the server still judges by its last read (T0), so acceptedAt an hour later is "in the future"; got ${without.status}`);
    assert.equal(clock.now().getTime(), T0, 'a request without the header must not make the server read the clock');

    const res = await api('post', '/api/v1/dossiers').set(VIRTUAL_NOW_HEADER, String(T0 + 2 * HOUR)).send(acceptedAnHourAfterT0('H13.01-260212-0002'));
    assert.equal(res.status, 201, `with the driver's now in the header the server should catch up and receive the dossier; got ${res.status} ${JSON.stringify(res.body)}`);
    assert.equal(clock.now().getTime(), T0 + 2 * HOUR, "the server's now should be the shared now after the request");
  });

  it('never takes the time from the header: a header ahead of the shared now leaves the clock where the database says', async () => {
    const res = await api('post', '/api/v1/dossiers').set(VIRTUAL_NOW_HEADER, String(T0 + 24 * HOUR)).send(acceptedAnHourAfterT0('H13.01-260212-0003'));
    assert.equal(res.status, 400, `the shared now is still T0, so acceptedAt an hour later must be refused as in the future; got ${res.status}`);
    assert.match(JSON.stringify(res.body), /acceptedAt/, 'the refusal should name the field acceptedAt');
    assert.equal(clock.now().getTime(), T0, "a header must never move the server's clock past the shared now");
  });

  it('shares one read among requests arriving together, and never goes back', async () => {
    await setVirtualNow(fresh.db, T0 + 3 * HOUR);
    await Promise.all([clock.catchUp(T0 + 3 * HOUR), clock.catchUp(T0 + 3 * HOUR), clock.catchUp(T0 + HOUR)]);
    assert.equal(clock.now().getTime(), T0 + 3 * HOUR, 'three catch-ups at once should leave the clock at the shared now');
    await clock.catchUp(T0);
    assert.equal(clock.now().getTime(), T0 + 3 * HOUR, 'asking for an earlier instant must not move the clock back');
  });
});
