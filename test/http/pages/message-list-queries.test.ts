import assert from 'node:assert/strict';
import { createTestContext, dossierBody, seedBasics, type TestContext } from '../../support/context';
import { signIn } from '../../support/pages';

describe('staff pages: the message list reads its rows in a fixed number of queries', function () {
  this.timeout(60_000);
  let ctx: TestContext;

  beforeEach(async () => {
    ctx = await createTestContext('2026-03-02T09:00:00+07:00');
    await seedBasics(ctx);
  });
  afterEach(async () => ctx?.close());

  const at = (iso: string) => new Date(iso).getTime();

  /**
   * A citizen's Zalo message that failed (tried twice, the later try at `lastTry`) and its
   * fallback waiting at the counter, which was never tried itself.
   */
  const failedWithFallback = async (n: number, lastTry: string) => {
    const code = `Q-${n}`;
    await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code })).expect(201);
    const dossier = await ctx.db('dossiers').where({ code }).first();
    const base = { kind: 'new_appointment', audience: 'citizen', agency_id: dossier.receiving_agency_id, dossier_id: dossier.id, payload: '{}', not_before: at('2026-03-02T08:00:00+07:00'), created_at: at('2026-03-02T08:00:00+07:00'), updated_at: at('2026-03-02T08:00:00+07:00') };
    const [zalo] = await ctx.db('notices').insert({ ...base, business_key: `${code}:zalo`, channel: 'zalo', recipient: '0912345678', status: 'permanent-failure', last_error: 'zalo:-118: no account', attempts: 2 }).returning('id');
    const zaloId = Number(typeof zalo === 'object' ? zalo.id : zalo);
    await ctx.db('notice_attempts').insert([
      { notice_id: zaloId, started_at: at('2026-03-02T08:05:00+07:00'), finished_at: at('2026-03-02T08:05:01+07:00'), outcome: 'temporary-failure', error_class: 'zalo:-118' },
      { notice_id: zaloId, started_at: at(lastTry), finished_at: at(lastTry) + 1000, outcome: 'permanent-failure', error_class: 'zalo:-118' },
    ]);
    await ctx.db('notices').insert({ ...base, business_key: `${code}:print`, channel: 'print', recipient: '0912345678', status: 'created', fallback_of: zaloId });
    return code;
  };

  const readsOf = async (url: string, agent: Awaited<ReturnType<typeof signIn>>['agent']) => {
    const sql: string[] = [];
    const onQuery = (q: { sql: string }) => sql.push(q.sql);
    ctx.db.on('query', onQuery);
    const page = await agent.get(url).expect(200);
    ctx.db.removeListener('query', onQuery);
    return { page, sql };
  };

  it('reads every row’s last try with one grouped query, whatever the number of rows', async () => {
    const counter = await signIn(ctx, 'counter', 'SXD');
    await failedWithFallback(1, '2026-03-02T08:41:00+07:00');
    const few = await readsOf('/tin-nhan', counter.agent);
    for (let n = 2; n <= 6; n += 1) await failedWithFallback(n, `2026-03-02T08:4${n}:00+07:00`);
    const many = await readsOf('/tin-nhan', counter.agent);

    const attemptReads = many.sql.filter((q) => /notice_attempts/.test(q));
    assert.equal(attemptReads.length, 1, `the attempts of 12 messages should be read in one query, not one per row; the page ran:\n${attemptReads.join('\n')}`);
    assert.equal(many.sql.length, few.sql.length, `12 rows should take as many queries as 2 (${few.sql.length}); they took ${many.sql.length}`);

    assert.equal((many.page.text.match(/Số điện thoại chưa đăng ký Zalo/g) ?? []).length, 12, 'each of the 12 rows says why the Zalo message failed');
    for (let n = 1; n <= 6; n += 1) {
      const minute = n === 1 ? '41' : `4${n}`;
      assert.equal((many.page.text.match(new RegExp(`Lần gửi gần nhất: 08:${minute}`, 'g')) ?? []).length, 2, `Q-${n}: the Zalo message and its fallback both show the last try at 08:${minute}`);
    }
  });
});
