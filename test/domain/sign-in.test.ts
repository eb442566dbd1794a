import assert from 'node:assert/strict';
import { signInHeldBack, type AttemptCounts } from '../../src/domain/sign-in';

describe('domain/sign-in: when an attempt is held back without checking its password', () => {
  const limits = { maxFailures: 5, maxFailuresPerAddress: 20 };
  const cases: [AttemptCounts, boolean, string][] = [
    [{ address: 0, account: 0, accountFromAddress: 0 }, false, 'nothing on record'],
    [{ address: 4, account: 4, accountFromAddress: 4 }, false, 'four failures from this address on this account'],
    [{ address: 5, account: 5, accountFromAddress: 5 }, true, 'five failures from this address on this account'],
    [{ address: 0, account: 50, accountFromAddress: 0 }, false, 'an account under attack from elsewhere: a clean address still gets its try'],
    [{ address: 1, account: 5, accountFromAddress: 1 }, true, 'an account under attack, and this address already failed on it'],
    [{ address: 1, account: 4, accountFromAddress: 1 }, false, 'one failure here, four in all: not yet an attack'],
    [{ address: 19, account: 0, accountFromAddress: 0 }, false, 'nineteen failures from this address on other names'],
    [{ address: 20, account: 0, accountFromAddress: 0 }, true, 'twenty failures from this address on any names'],
  ];
  for (const [counts, held, why] of cases) {
    it(`${held ? 'holds back' : 'checks'}: ${why}`, () => {
      assert.equal(signInHeldBack(counts, limits), held, `${JSON.stringify(counts)} should ${held ? '' : 'not '}be held back`);
    });
  }
});
