/** Attempts on record within a window: from one address, on one account, on that account from that address. */
export interface AttemptCounts {
  address: number;
  account: number;
  accountFromAddress: number;
}

export interface SignInLimits {
  /** Failures on one account from one address, and failures on one account from anywhere, before holding back. */
  maxFailures: number;
  /** Failures from one address on any accounts before holding it back. */
  maxFailuresPerAddress: number;
}

/**
 * Whether an attempt is held back without checking its password, from the failures recorded in
 * the window before it. Nothing here depends on whether the account exists, so being held back
 * tells nothing about accounts. An account is never locked for everyone:
 * - one address gets `maxFailures` tries per account, and `maxFailuresPerAddress` over all names;
 * - once an account has had `maxFailures` failures from anywhere (a guess spread over many
 *   addresses), an address that has already failed on it is held back, while an address that
 *   has not — its owner at their desk — still gets its try.
 */
export function signInHeldBack(earlier: AttemptCounts, limits: SignInLimits): boolean {
  return (
    earlier.accountFromAddress >= limits.maxFailures ||
    earlier.address >= limits.maxFailuresPerAddress ||
    (earlier.account >= limits.maxFailures && earlier.accountFromAddress > 0)
  );
}
