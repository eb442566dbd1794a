import assert from 'node:assert/strict';
import { maskContacts } from '../../src/domain/contact';

describe('maskContacts: a provider answer fit for the logs', () => {
  const cases: Array<[string, string]> = [
    ['RCPT TO: 550 5.1.1 <an.nguyen@example.vn>: Recipient address rejected', 'RCPT TO: 550 5.1.1 <…@example.vn>: Recipient address rejected'],
    ['Phone 0912 345 678 is not a Zalo user', 'Phone 09******78 is not a Zalo user'],
    ['+84912345678 blocked', '84*******78 blocked'],
    ['421 4.7.0 Try again later', '421 4.7.0 Try again later'],
    ['ZNS -118: user not found (msg 12345)', 'ZNS -118: user not found (msg 12345)'],
  ];
  for (const [answer, logged] of cases) {
    it(`"${answer}" → "${logged}"`, () => {
      assert.equal(maskContacts(answer), logged, 'an address or phone number would reach the logs, or a harmless code was mangled');
    });
  }
});
