import type { AttemptCounts } from '../domain/sign-in';
import type { Db } from './connection';

/** Sign-in attempts by hashed account name and hashed client address (see migration 0011). */
export class SignInAttemptRepository {
  constructor(private readonly db: Db) {}

  async record(accountKey: string, addressKey: string, at: number): Promise<number> {
    const [row] = await this.db('sign_in_attempts').insert({ account_key: accountKey, address_key: addressKey, at }).returning('id');
    return Number(typeof row === 'object' ? row.id : row);
  }

  /** The attempts since `since` other than `except` (the one being decided), counted in one statement. */
  async countSince(accountKey: string, addressKey: string, since: number, except: number): Promise<AttemptCounts> {
    const row = (await this.db('sign_in_attempts')
      .where('at', '>=', since)
      .whereNot({ id: except })
      .where((w) => w.where({ account_key: accountKey }).orWhere({ address_key: addressKey }))
      .select(
        this.db.raw('coalesce(sum(case when address_key = ? then 1 else 0 end), 0) as address', [addressKey]),
        this.db.raw('coalesce(sum(case when account_key = ? then 1 else 0 end), 0) as account', [accountKey]),
        this.db.raw('coalesce(sum(case when account_key = ? and address_key = ? then 1 else 0 end), 0) as pair', [accountKey, addressKey]),
      )
      .first()) as { address: number | string; account: number | string; pair: number | string };
    return { address: Number(row.address), account: Number(row.account), accountFromAddress: Number(row.pair) };
  }

  async forget(id: number): Promise<void> {
    await this.db('sign_in_attempts').where({ id }).delete();
  }

  async forgetBefore(at: number): Promise<number> {
    return this.db('sign_in_attempts').where('at', '<', at).delete();
  }
}
