import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { ACTIONS, USER_ROLES, can, type Action, type UserRole } from '../../src/domain/access';
import { parsePeriod, type Period } from '../../src/domain/reports';
import { AppError } from '../../src/errors';
import { SYSTEM_ACTOR, type Actor } from '../../src/services/clock';
import { AGENCY, createTestContext, dossierBody, seedBasics, type TestContext } from '../support/context';

/**
 * Every role over every action, through the use cases (not the pages): a page that forgot to
 * hide a button must still be refused. Written out by hand so that a change to the grants in
 * src/domain/access.ts has to be made here too, on purpose.
 */
const Y = true;
const N = false;
const EXPECTED: Record<UserRole, Partial<Record<Action, boolean>>> = {
  //          read create event draft approve cancel message report registry user token
  counter: row(Y, Y, Y, Y, N, N, Y, N, N, N, N),
  officer: row(Y, N, Y, Y, N, Y, Y, N, N, N, N),
  leader: row(Y, N, Y, Y, Y, Y, Y, Y, N, N, N),
  supervisor: row(Y, N, N, N, N, N, N, Y, N, N, N),
  admin: row(Y, N, N, N, N, N, N, Y, Y, Y, Y),
};

function row(...allowed: boolean[]): Partial<Record<Action, boolean>> {
  const actions: Action[] = ['dossier.read', 'dossier.create', 'dossier.event', 'apology.draft', 'apology.approve', 'apology.cancel', 'message.manage', 'report.read', 'registry.manage', 'user.manage', 'token.manage'];
  return Object.fromEntries(actions.map((a, i) => [a, allowed[i]]));
}

type Outcome = 'allowed' | 'forbidden' | 'not found';

async function outcomeOf(run: () => Promise<unknown>): Promise<Outcome | string> {
  try {
    await run();
    return 'allowed';
  } catch (err) {
    if (err instanceof AppError && err.status === 403) return 'forbidden';
    if (err instanceof AppError && err.status === 404) return 'not found';
    // A business rule answering (409/422) means the role got past the permission check.
    if (err instanceof AppError && err.status < 500) return 'allowed';
    return `crashed: ${(err as Error).message}`;
  }
}

describe('roles: who may do what (use cases)', function () {
  this.timeout(120_000);
  let ctx: TestContext;
  let sxd: number;
  let stp: number;
  /** Receives dossiers that SXD decides. */
  let centre: number;
  let seq = 0;

  before(async () => {
    ctx = await createTestContext('2026-03-10T09:00:00+07:00');
    await seedBasics(ctx);
    await ctx.api('post', '/api/v1/agencies').send({ ...AGENCY, code: 'STP', name: 'Sở Tư pháp', letterSymbol: 'PXL-STP' }).expect(201);
    await ctx.api('post', '/api/v1/agencies').send({ ...AGENCY, code: 'TTPVHCC', name: 'Trung tâm Phục vụ hành chính công', letterSymbol: 'PXL-TT' }).expect(201);
    sxd = (await ctx.services.registry.agency('SXD')).id;
    stp = (await ctx.services.registry.agency('STP')).id;
    centre = (await ctx.services.registry.agency('TTPVHCC')).id;
  });
  after(async () => ctx.close());

  /** A fresh overdue SXD dossier with a draft apology and a notice waiting for a phone call. */
  async function scene(): Promise<{ code: string; draftId: number; noticeId: number }> {
    seq += 1;
    const code = `H13.01-260202-${String(seq).padStart(4, '0')}`;
    await ctx.services.dossiers.create(bodyInput(code), SYSTEM_ACTOR);
    const draft = await ctx.services.apologies.draft(code, { reason: 'Cần xác minh thêm' }, SYSTEM_ACTOR);
    // Another dossier whose apology is issued, for a message to manage.
    const other = `${code}-B`;
    await ctx.services.dossiers.create(bodyInput(other, { consent: { zalo: false, email: false, sms: false }, email: undefined }), SYSTEM_ACTOR);
    const issued = await ctx.services.apologies.draft(other, { reason: 'Cần xác minh thêm' }, SYSTEM_ACTOR);
    const approved = await ctx.services.apologies.approve(issued.apology.id, SYSTEM_ACTOR);
    return { code, draftId: draft.apology.id, noticeId: approved.notices[0].id };
  }

  function bodyInput(code: string, overrides: Record<string, unknown> = {}) {
    const b = dossierBody({ code, acceptedAt: '2026-02-02T08:00:00+07:00', ...overrides });
    return {
      ...(b as object),
      acceptedAt: new Date(String(b.acceptedAt)),
    } as unknown as Parameters<TestContext['services']['dossiers']['create']>[0];
  }

  const run: Record<Action, ((actor: Actor) => Promise<unknown>) | null> = {
    'dossier.read': async (actor) => ctx.services.dossiers.get((await scene()).code, actor),
    'dossier.create': async (actor) => ctx.services.dossiers.create(bodyInput(`NEW-${++seq}`), actor),
    'dossier.event': async (actor) => ctx.services.dossiers.recordEvent((await scene()).code, { kind: 'processing_started', occurredAt: ctx.clock.now() }, actor),
    'apology.draft': async (actor) => {
      const { code, draftId } = await scene();
      await ctx.services.apologies.cancel(draftId, 'để soạn lại', SYSTEM_ACTOR);
      return ctx.services.apologies.draft(code, { reason: 'Cần xác minh thêm' }, actor);
    },
    'apology.approve': async (actor) => ctx.services.apologies.approve((await scene()).draftId, actor),
    'apology.cancel': async (actor) => ctx.services.apologies.cancel((await scene()).draftId, 'nhầm', actor),
    'message.manage': async (actor) => ctx.services.messages.markCalled((await scene()).noticeId, actor),
    'report.read': async (actor) => ctx.services.reports.period({ period: parsePeriod('2026-Q1') as Period, groupBy: 'agency' }, actor),
    'registry.manage': async (actor) => ctx.services.registry.createAgency({ ...(await ctx.services.registry.agency('STP')), code: `X${++seq}` }, actor),
    'user.manage': async (actor) => ctx.services.users.list(actor),
    'token.manage': async (actor) => ctx.services.tokens.create(`t${++seq}`, null, actor),
  };

  for (const role of USER_ROLES) {
    for (const action of ACTIONS) {
      const expected = EXPECTED[role][action];
      if (expected === undefined) continue;
      it(`${role} ${expected ? 'may' : 'may not'} ${action}`, async () => {
        const runner = run[action];
        assert.ok(runner, `no use case wired for ${action}`);
        const agencyId = role === 'supervisor' || role === 'admin' ? null : sxd;
        const outcome = await outcomeOf(() => runner({ name: role, role, agencyId }));
        assert.equal(outcome, expected ? 'allowed' : 'forbidden', `a ${role} doing "${action}" should be ${expected ? 'allowed' : 'refused with 403'}, was: ${outcome}`);
        assert.equal(can(role, action), expected, 'src/domain/access.ts grants differ from this table');
      });
    }
  }

  it('importing a dossier list needs the permission to register dossiers (the counter), checked before the file is read', async () => {
    const file = () => Readable.from([Buffer.from('Mã hồ sơ\r\n', 'utf8')]);
    for (const role of USER_ROLES) {
      const actor: Actor = { name: role, role, agencyId: role === 'supervisor' || role === 'admin' ? null : sxd };
      const expected = can(role, 'dossier.create') ? 'allowed' : 'forbidden';
      assert.equal(await outcomeOf(() => ctx.services.imports.importDossiers(file(), 'csv', { actor })), expected, `a ${role} importing a file should be ${expected}`);
      assert.equal(await outcomeOf(async () => ctx.services.imports.columns(actor)), expected, `a ${role} opening the import page should be ${expected}`);
    }
  });

  it("a person of another agency does not see this agency's dossier, apology or message (404, not 403)", async () => {
    const { code, draftId, noticeId } = await scene();
    const outsider: Actor = { name: 'cán bộ STP', role: 'leader', agencyId: stp };
    assert.equal(await outcomeOf(() => ctx.services.dossiers.get(code, outsider)), 'not found');
    assert.equal(await outcomeOf(() => ctx.services.apologies.get(draftId, outsider)), 'not found');
    assert.equal(await outcomeOf(() => ctx.services.apologies.approve(draftId, outsider)), 'not found');
    assert.equal(await outcomeOf(() => ctx.services.messages.get(noticeId, outsider)), 'not found');
    const list = await ctx.services.dossiers.list({}, 'due', 100, 0, outsider);
    assert.equal(list.total, 0, 'the list of another agency is empty');
  });

  it('a supervisor reads every agency but changes nothing; a counter of the receiving agency follows the dossier', async () => {
    const { code, noticeId } = await scene();
    const supervisor: Actor = { name: 'giám sát', role: 'supervisor', agencyId: stp };
    assert.equal(await outcomeOf(() => ctx.services.dossiers.get(code, supervisor)), 'allowed');
    assert.equal(await outcomeOf(() => ctx.services.messages.markCalled(noticeId, supervisor)), 'forbidden');

    // Received at the service centre, decided by SXD: the centre's counter sees it and its message.
    const received = `CENTRE-${++seq}`;
    await ctx.services.dossiers.create(bodyInput(received, { receivingAgencyCode: 'TTPVHCC', consent: { zalo: false, email: false, sms: false }, email: undefined }), SYSTEM_ACTOR);
    const issued = await ctx.services.apologies.draft(received, { reason: 'Cần xác minh thêm' }, SYSTEM_ACTOR);
    const approved = await ctx.services.apologies.approve(issued.apology.id, SYSTEM_ACTOR);
    const counter: Actor = { name: 'một cửa', role: 'counter', agencyId: centre };
    const mine = await ctx.services.dossiers.list({}, 'due', 100, 0, counter);
    assert.deepEqual(mine.items.map((v) => v.dossier.code), [received], 'the centre sees the dossier it received, and only that one');
    const toCall = await ctx.services.messages.list({ channels: ['print'] }, 10, 0, counter);
    assert.deepEqual(toCall.items.map((n) => n.id), [approved.notices[0].id], "the centre's call list holds the citizen it received");
    assert.equal(await outcomeOf(() => ctx.services.messages.markCalled(approved.notices[0].id, counter)), 'allowed');
  });

  it("only the deciding agency approves or cancels a draft: the receiving agency's leader is refused both (403) and the draft stays", async () => {
    const code = `CENTRE-${++seq}`;
    await ctx.services.dossiers.create(bodyInput(code, { receivingAgencyCode: 'TTPVHCC' }), SYSTEM_ACTOR);
    const draft = await ctx.services.apologies.draft(code, { reason: 'Cần xác minh thêm' }, SYSTEM_ACTOR);
    const receiving: Actor = { name: 'lãnh đạo trung tâm', role: 'leader', agencyId: centre };
    const receivingToken: Actor = { name: 'token:trung tâm', role: 'integration', agencyId: centre };
    for (const actor of [receiving, receivingToken]) {
      assert.equal(await outcomeOf(() => ctx.services.apologies.get(draft.apology.id, actor)), 'allowed', `the receiving agency (${actor.role}) still sees the draft`);
      assert.equal(await outcomeOf(() => ctx.services.apologies.cancel(draft.apology.id, 'không đồng ý', actor)), 'forbidden', `the receiving agency's ${actor.role} must not cancel the deciding agency's draft`);
      assert.equal(await outcomeOf(() => ctx.services.apologies.approve(draft.apology.id, actor)), 'forbidden', `the receiving agency's ${actor.role} must not approve the deciding agency's draft`);
    }
    assert.equal((await ctx.services.apologies.get(draft.apology.id, SYSTEM_ACTOR)).apology.status, 'draft', 'a refused cancel leaves the draft as it was');
    const deciding: Actor = { name: 'lãnh đạo SXD', role: 'leader', agencyId: sxd };
    assert.equal(await outcomeOf(() => ctx.services.apologies.cancel(draft.apology.id, 'soạn lại', deciding)), 'allowed', "the deciding agency's leader cancels its draft");
  });
});
