import assert from 'node:assert/strict';
import { createTestContext, dossierBody, seedBasics, type TestContext } from '../../support/context';
import { signIn } from '../../support/pages';

describe('staff pages: the apology list shows each letter’s signing state', function () {
  this.timeout(60_000);
  let ctx: TestContext;

  beforeEach(async () => {
    ctx = await createTestContext('2026-03-02T09:00:00+07:00');
    await seedBasics(ctx);
    await ctx.api('patch', '/api/v1/agencies/SXD').send({ settings: { apologyMode: 'review' } }).expect(200);
  });
  afterEach(async () => ctx?.close());

  /** A draft apology for a new late dossier; its signing state set as the workflow would leave it. */
  const letter = async (n: number, state: string | null) => {
    const code = `LIST-${n}`;
    await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code, acceptedAt: '2026-02-02T08:00:00+07:00' })).expect(201);
    const res = await ctx.api('post', `/api/v1/dossiers/${code}/apologies`).send({ reason: 'Cần khảo sát lại hiện trạng công trình', newDueDate: '2026-03-18' }).expect(201);
    const id = (res.body as { id: number }).id;
    if (state) {
      await ctx.db.transaction(async () => ctx.services.signing.open(id, { userId: null, name: 'Trần Văn Bình' }, null));
      await ctx.db('letter_signing').where({ apology_id: id }).update({ state });
    }
    return id;
  };

  const rowOf = (html: string, id: number) => {
    const m = html.match(new RegExp(`<tr>\\s*<th scope="row"><a href="/thu-xin-loi/${id}">[\\s\\S]*?</tr>`));
    assert.ok(m, `row of letter ${id}`);
    return m[0];
  };

  it('labels every state with one read of the signing table for the whole page', async () => {
    const ids = {
      leader: await letter(1, 'leader-waiting'),
      agency: await letter(2, 'leader-signed'),
      agencyRemote: await letter(8, 'agency-waiting'),
      signed: await letter(3, 'signed'),
      returned: await letter(4, 'returned'),
      unsigned: await letter(5, 'unsigned'),
      none: await letter(6, null),
      issuedBefore: await letter(7, null),
    };
    // Issued before signatures existed: no signing row, and unsigned like any other.
    await ctx.db('apologies').where({ id: ids.issuedBefore }).update({ status: 'issued' });
    const { agent } = await signIn(ctx, 'supervisor', null);
    const signingReads: string[] = [];
    const onQuery = (q: { sql: string }) => {
      if (/letter_signing/.test(q.sql)) signingReads.push(q.sql);
    };
    ctx.db.on('query', onQuery);
    const page = await agent.get('/thu-xin-loi').expect(200);
    ctx.db.removeListener('query', onQuery);
    assert.equal(signingReads.length, 1, 'one batched read, not one per row');

    const badge = (id: number) => rowOf(page.text, id).match(/<span class="badge">([^<]*)<\/span>/)?.[1] ?? null;
    assert.equal(badge(ids.leader), 'Chờ ký số — lãnh đạo');
    assert.equal(badge(ids.agency), 'Chờ ký số — cơ quan');
    assert.equal(badge(ids.agencyRemote), 'Chờ ký số — cơ quan', 'the agency’s remote signature is awaited');
    assert.equal(badge(ids.signed), 'Đã ký số');
    assert.equal(badge(ids.returned), 'Trả lại');
    assert.equal(badge(ids.unsigned), 'Không ký số');
    assert.equal(badge(ids.issuedBefore), 'Không ký số');
    assert.equal(badge(ids.none), null, 'a draft never sent to sign has no badge');
  });

  it('the letter’s page says which signature it waits for: the leader’s or the agency’s', async () => {
    const leader = await letter(1, 'leader-waiting');
    const agency = await letter(2, 'agency-waiting');
    const { agent } = await signIn(ctx, 'supervisor', null);
    const lead = (html: string) => html.match(/<p class="lead">Chữ ký số:[\s\S]*?<\/p>/)?.[0] ?? '';
    assert.match(lead((await agent.get(`/thu-xin-loi/${leader}`).expect(200)).text), /Chờ ký số — lãnh đạo/, 'a letter waiting for the leader says so');
    assert.match(lead((await agent.get(`/thu-xin-loi/${agency}`).expect(200)).text), /Chờ ký số — cơ quan/, 'a letter waiting for the agency says so');
  });
});
