import assert from 'node:assert/strict';
import { DEFAULT_NOTICE_CHANNELS, nextStep, noticeRoute, routeOfPayload } from '../../src/domain/notice-route';

const everyone = { phone: '+84912345678', email: 'an@example.vn', consent: { zalo: true, sms: true, email: true } };

describe('notice route: which channels a citizen’s notice tries, in which order', () => {
  it('by default tries Zalo, then SMS, then e-mail, then the counter’s list', () => {
    const route = noticeRoute(DEFAULT_NOTICE_CHANNELS, everyone);
    assert.deepEqual(
      route.map((s) => `${s.channel}:${s.recipient}`),
      ['zalo:+84912345678', 'sms:+84912345678', 'email:an@example.vn', 'print:+84912345678'],
      'the default order is Zalo → SMS → e-mail → counter',
    );
  });

  it('follows the agency’s own order', () => {
    const route = noticeRoute(['email', 'sms'], everyone);
    assert.deepEqual(route.map((s) => s.channel), ['email', 'sms', 'print'], 'an agency that put e-mail first and left Zalo out');
  });

  it('skips a channel the citizen did not agree to or has no address for', () => {
    const route = noticeRoute(DEFAULT_NOTICE_CHANNELS, { phone: '+84912345678', email: null, consent: { zalo: false, sms: true, email: true } });
    assert.deepEqual(route.map((s) => s.channel), ['sms', 'print'], 'no Zalo consent and no e-mail address: SMS, then the counter');
    const none = noticeRoute(DEFAULT_NOTICE_CHANNELS, { phone: null, email: null, consent: { zalo: true, sms: true, email: true } });
    assert.deepEqual(none, [{ channel: 'print', recipient: '' }], 'without any contact only the counter is left');
  });

  it('names the next step after a failed channel, and nothing after the counter', () => {
    const route = noticeRoute(DEFAULT_NOTICE_CHANNELS, everyone);
    assert.deepEqual(nextStep(route, 'zalo'), { channel: 'sms', recipient: '+84912345678' });
    assert.deepEqual(nextStep(route, 'sms'), { channel: 'email', recipient: 'an@example.vn' });
    assert.deepEqual(nextStep(route, 'email'), { channel: 'print', recipient: '+84912345678' });
    assert.equal(nextStep(route, 'print'), null, 'the counter’s list is the last step');
  });

  it('reads the route a notice carries, and rebuilds the old one for notices queued before routes existed', () => {
    const route = noticeRoute(['sms'], everyone);
    assert.deepEqual(routeOfPayload({ route }), route);
    assert.deepEqual(
      routeOfPayload({ contact: { phone: '+84912345678', email: 'an@example.vn' } }).map((s) => s.channel),
      ['zalo', 'email', 'print'],
      'a notice queued before this change falls back as it did then: Zalo → e-mail → counter',
    );
  });
});
