import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { ACTIONS, USER_ROLES, can, type Action, type Role, type UserRole } from '../../src/domain/access';
import type { User } from '../../src/db/users';
import { parsePeriod, type Period } from '../../src/domain/reports';
import { AppError } from '../../src/errors';
import { SYSTEM_ACTOR, type Actor } from '../../src/domain/actor';
import { AGENCY, PROCEDURE, createTestContext, dossierBody, seedBasics, type TestContext } from '../support/context';

/**
 * Every role over every action, through the use cases (not the pages): a page that forgot to
 * hide a button must still be refused. Written out by hand so that a change to the grants in
 * src/domain/access.ts has to be made here too, on purpose.
 */
const Y = true;
const N = false;
const EXPECTED: Record<UserRole, Partial<Record<Action, boolean>>> = {
  //          read create event draft approve cancel message report registry channel user token interop
  counter: row(Y, Y, Y, Y, N, N, Y, N, N, N, N, N, N),
  officer: row(Y, N, Y, Y, N, Y, Y, N, N, N, N, N, N),
  leader: row(Y, N, Y, Y, Y, Y, Y, Y, N, N, N, N, N),
  supervisor: row(Y, N, N, N, N, N, N, Y, N, N, N, N, N),
  admin: row(Y, N, N, N, N, N, N, Y, Y, Y, Y, Y, Y),
};

function row(...allowed: boolean[]): Partial<Record<Action, boolean>> {
  const actions = [
    'dossier.read', 'dossier.create', 'dossier.event', 'apology.draft', 'apology.approve', 'apology.cancel', 'message.manage', 'report.read',
    'registry.manage', 'channel.manage', 'user.manage', 'token.manage', 'interop.manage',
  ] as Action[];
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
    const draft = await ctx.services.apologyWorkflow.draft(code, { reason: 'Cần xác minh thêm' }, SYSTEM_ACTOR);
    // Another dossier whose apology is issued, for a message to manage.
    const other = `${code}-B`;
    await ctx.services.dossiers.create(bodyInput(other, { consent: { zalo: false, email: false, sms: false }, email: undefined }), SYSTEM_ACTOR);
    const issued = await ctx.services.apologyWorkflow.draft(other, { reason: 'Cần xác minh thêm' }, SYSTEM_ACTOR);
    const approved = await ctx.services.apologyWorkflow.approve(issued.apology.id, SYSTEM_ACTOR);
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
      await ctx.services.apologyWorkflow.cancel(draftId, 'để soạn lại', SYSTEM_ACTOR);
      return ctx.services.apologyWorkflow.draft(code, { reason: 'Cần xác minh thêm' }, actor);
    },
    'apology.approve': async (actor) => ctx.services.apologyWorkflow.approve((await scene()).draftId, actor),
    'apology.cancel': async (actor) => ctx.services.apologyWorkflow.cancel((await scene()).draftId, 'nhầm', actor),
    'message.manage': async (actor) => ctx.services.messages.markCalled((await scene()).noticeId, actor),
    'report.read': async (actor) => ctx.services.reports.period({ period: parsePeriod('2026-Q1') as Period, groupBy: 'agency' }, actor),
    'registry.manage': async (actor) => ctx.services.registry.createAgency({ ...(await ctx.services.registry.agency('STP')), code: `X${++seq}` }, actor),
    'channel.manage': async (actor) => ctx.services.health.check(actor),
    'user.manage': async (actor) => ctx.services.users.list(actor),
    'token.manage': async (actor) => ctx.services.tokens.create(`t${++seq}`, null, actor),
    'interop.manage': async (actor) => ctx.services.interopSources.list(actor),
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
    assert.equal(await outcomeOf(() => ctx.services.apologyWorkflow.approve(draftId, outsider)), 'not found');
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
    const issued = await ctx.services.apologyWorkflow.draft(received, { reason: 'Cần xác minh thêm' }, SYSTEM_ACTOR);
    const approved = await ctx.services.apologyWorkflow.approve(issued.apology.id, SYSTEM_ACTOR);
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
    const draft = await ctx.services.apologyWorkflow.draft(code, { reason: 'Cần xác minh thêm' }, SYSTEM_ACTOR);
    const receiving: Actor = { name: 'lãnh đạo trung tâm', role: 'leader', agencyId: centre };
    const receivingToken: Actor = { name: 'token:trung tâm', role: 'integration', agencyId: centre };
    for (const actor of [receiving, receivingToken]) {
      assert.equal(await outcomeOf(() => ctx.services.apologies.get(draft.apology.id, actor)), 'allowed', `the receiving agency (${actor.role}) still sees the draft`);
      assert.equal(await outcomeOf(() => ctx.services.apologyWorkflow.cancel(draft.apology.id, 'không đồng ý', actor)), 'forbidden', `the receiving agency's ${actor.role} must not cancel the deciding agency's draft`);
      assert.equal(await outcomeOf(() => ctx.services.apologyWorkflow.approve(draft.apology.id, actor)), 'forbidden', `the receiving agency's ${actor.role} must not approve the deciding agency's draft`);
    }
    assert.equal((await ctx.services.apologies.get(draft.apology.id, SYSTEM_ACTOR)).apology.status, 'draft', 'a refused cancel leaves the draft as it was');
    const deciding: Actor = { name: 'lãnh đạo SXD', role: 'leader', agencyId: sxd };
    assert.equal(await outcomeOf(() => ctx.services.apologyWorkflow.cancel(draft.apology.id, 'soạn lại', deciding)), 'allowed', "the deciding agency's leader cancels its draft");
  });

  /**
   * Every administration use case, for every kind of actor, with A = SXD (the actor's own
   * agency) and B = STP (another one). A role without the permission is refused everywhere; an
   * installation-wide actor with it may do everything; an actor bound to A gets `boundToA`,
   * written out by hand for each action: its own agency's accounts, tokens, settings and days
   * off, and nothing of B's or of the whole installation. Another agency's existing record is
   * answered "not found", like a missing one.
   */
  describe('administration: every admin action × role × agency (use cases)', () => {
    interface AdminCase {
      name: string;
      permission: Action;
      boundToA: Outcome;
      run: (actor: Actor) => Promise<unknown>;
    }
    /** Each role bound to A, and those that may also be installation-wide. */
    const actors = (): Actor[] => [
      ...([...USER_ROLES, 'integration'] as Role[]).map((role): Actor => ({ name: `${role} of SXD`, role, agencyId: sxd })),
      ...(['admin', 'supervisor', 'integration'] as Role[]).map((role): Actor => ({ name: `installation-wide ${role}`, role, agencyId: null })),
    ];
    const users: Record<'A' | 'B' | 'wide', User> = {} as Record<'A' | 'B' | 'wide', User>;

    before(async () => {
      users.A = await newUser('SXD');
      users.B = await newUser('STP');
      users.wide = await newUser(null, 'supervisor');
    });

    async function newUser(agencyCode: string | null, role: UserRole = 'counter'): Promise<User> {
      const username = `nguoi${++seq}`;
      return ctx.services.users.create({ username, fullName: `Người dùng ${seq}`, role, agencyId: null, agencyCode, active: true }, 'mat-khau-du-dai', SYSTEM_ACTOR);
    }
    const sameUser = (u: User, agencyCode: string | null) => ({ username: u.username, fullName: u.fullName, role: u.role, agencyId: null, agencyCode, active: true });
    const codeOf = (scope: 'A' | 'B' | 'wide') => ({ A: 'SXD', B: 'STP', wide: null })[scope];
    const newToken = async (scope: 'A' | 'B' | 'wide') => (await ctx.services.tokens.create(`t${++seq}`, codeOf(scope), SYSTEM_ACTOR)).record.id;
    const DAYS = { A: '2027-06-01', B: '2027-06-02', wide: '2027-06-03' };
    const dayOff = (scope: 'A' | 'B' | 'wide') => ({ date: DAYS[scope], kind: 'off' as const, occasion: null, name: 'Nghỉ thử', source: 'Quyết định thử', estimate: false, agencyCode: codeOf(scope) });
    const storedDay = async (scope: 'A' | 'B' | 'wide') => (await ctx.services.calendars.saveEntries([dayOff(scope)], SYSTEM_ACTOR))[0].id;
    const newAgency = async () => ctx.services.registry.createAgency({ ...(await ctx.services.registry.agency('STP')), code: `XOA${++seq}` }, SYSTEM_ACTOR);
    const newProcedure = async () => ctx.services.registry.createProcedure({ ...(await ctx.services.registry.procedure(PROCEDURE.code)), code: `9.${++seq}` }, SYSTEM_ACTOR);

    const CASES: AdminCase[] = [
      // Agencies, procedures, the calendar
      { name: 'list the agencies it manages', permission: 'registry.manage', boundToA: 'allowed', run: (a) => ctx.services.registry.agenciesToManage(a) },
      { name: "open its own agency's settings", permission: 'registry.manage', boundToA: 'allowed', run: (a) => ctx.services.registry.agencyToManage('SXD', a) },
      { name: "open another agency's settings", permission: 'registry.manage', boundToA: 'forbidden', run: (a) => ctx.services.registry.agencyToManage('STP', a) },
      { name: "change its own agency's settings", permission: 'registry.manage', boundToA: 'allowed', run: (a) => ctx.services.registry.updateAgency('SXD', (c) => c, a) },
      { name: "change another agency's settings", permission: 'registry.manage', boundToA: 'forbidden', run: (a) => ctx.services.registry.updateAgency('STP', (c) => c, a) },
      { name: 'create an agency', permission: 'registry.manage', boundToA: 'forbidden', run: async (a) => ctx.services.registry.createAgency({ ...(await ctx.services.registry.agency('STP')), code: `X${++seq}` }, a) },
      { name: 'delete an agency', permission: 'registry.manage', boundToA: 'forbidden', run: async (a) => ctx.services.registry.deleteAgency((await newAgency()).code, a) },
      { name: 'create a procedure', permission: 'registry.manage', boundToA: 'forbidden', run: async (a) => ctx.services.registry.createProcedure({ ...(await ctx.services.registry.procedure(PROCEDURE.code)), code: `8.${++seq}` }, a) },
      { name: "open its own agency's procedure to edit", permission: 'registry.manage', boundToA: 'forbidden', run: (a) => ctx.services.registry.procedureToManage(PROCEDURE.code, a) },
      { name: "change its own agency's procedure", permission: 'registry.manage', boundToA: 'forbidden', run: (a) => ctx.services.registry.updateProcedure(PROCEDURE.code, (c) => c, a) },
      { name: 'delete a procedure', permission: 'registry.manage', boundToA: 'forbidden', run: async (a) => ctx.services.registry.deleteProcedure((await newProcedure()).code, a) },
      { name: 'open the calendar to manage', permission: 'registry.manage', boundToA: 'allowed', run: (a) => ctx.services.calendars.yearToManage(2027, a) },
      { name: 'add a day off for its own agency', permission: 'registry.manage', boundToA: 'allowed', run: (a) => ctx.services.calendars.saveEntries([dayOff('A')], a) },
      { name: 'add a day off for another agency', permission: 'registry.manage', boundToA: 'forbidden', run: (a) => ctx.services.calendars.saveEntries([dayOff('B')], a) },
      { name: 'add a national day off', permission: 'registry.manage', boundToA: 'forbidden', run: (a) => ctx.services.calendars.saveEntries([dayOff('wide')], a) },
      { name: "remove its own agency's day off", permission: 'registry.manage', boundToA: 'allowed', run: async (a) => ctx.services.calendars.removeEntry(await storedDay('A'), a) },
      { name: "remove another agency's day off", permission: 'registry.manage', boundToA: 'forbidden', run: async (a) => ctx.services.calendars.removeEntry(await storedDay('B'), a) },
      { name: 'remove a national day off', permission: 'registry.manage', boundToA: 'forbidden', run: async (a) => ctx.services.calendars.removeEntry(await storedDay('wide'), a) },
      // Channels
      { name: 'check the channels (Zalo grant, SMTP relay)', permission: 'channel.manage', boundToA: 'forbidden', run: (a) => ctx.services.health.check(a) },
      { name: 'reset the Zalo grant', permission: 'channel.manage', boundToA: 'forbidden', run: (a) => ctx.services.health.resetZaloGrant('refresh-token-moi', a) },
      // Accounts
      { name: 'list accounts', permission: 'user.manage', boundToA: 'allowed', run: (a) => ctx.services.users.list(a) },
      { name: 'open an account of its own agency', permission: 'user.manage', boundToA: 'allowed', run: (a) => ctx.services.users.get(users.A.id, a) },
      { name: 'open an account of another agency', permission: 'user.manage', boundToA: 'not found', run: (a) => ctx.services.users.get(users.B.id, a) },
      { name: 'open an installation-wide account', permission: 'user.manage', boundToA: 'not found', run: (a) => ctx.services.users.get(users.wide.id, a) },
      { name: 'create an account in its own agency', permission: 'user.manage', boundToA: 'allowed', run: (a) => ctx.services.users.create({ ...sameUser(users.A, 'SXD'), username: `moi${++seq}` }, 'mat-khau-du-dai', a) },
      { name: 'create an account in another agency', permission: 'user.manage', boundToA: 'forbidden', run: (a) => ctx.services.users.create({ ...sameUser(users.A, 'STP'), username: `moi${++seq}` }, 'mat-khau-du-dai', a) },
      { name: 'create an installation-wide administrator (no agency)', permission: 'user.manage', boundToA: 'forbidden', run: (a) => ctx.services.users.create({ ...sameUser(users.A, null), role: 'admin', username: `moi${++seq}` }, 'mat-khau-du-dai', a) },
      { name: 'change an account of its own agency', permission: 'user.manage', boundToA: 'allowed', run: (a) => ctx.services.users.update(users.A.id, sameUser(users.A, 'SXD'), null, a) },
      { name: 'change an account of another agency', permission: 'user.manage', boundToA: 'not found', run: (a) => ctx.services.users.update(users.B.id, sameUser(users.B, 'STP'), null, a) },
      { name: 'change an installation-wide account', permission: 'user.manage', boundToA: 'not found', run: (a) => ctx.services.users.update(users.wide.id, sameUser(users.wide, null), null, a) },
      { name: 'move an account of its own agency to another agency', permission: 'user.manage', boundToA: 'forbidden', run: async (a) => { const u = await newUser('SXD'); return ctx.services.users.update(u.id, sameUser(u, 'STP'), null, a); } },
      { name: 'make an account of its own agency an installation-wide administrator', permission: 'user.manage', boundToA: 'forbidden', run: async (a) => { const u = await newUser('SXD'); return ctx.services.users.update(u.id, { ...sameUser(u, null), role: 'admin' }, null, a); } },
      // API tokens
      { name: 'list API tokens', permission: 'token.manage', boundToA: 'allowed', run: (a) => ctx.services.tokens.list(a) },
      { name: 'create a token for its own agency', permission: 'token.manage', boundToA: 'allowed', run: (a) => ctx.services.tokens.create(`t${++seq}`, 'SXD', a) },
      { name: 'create a token for another agency', permission: 'token.manage', boundToA: 'forbidden', run: (a) => ctx.services.tokens.create(`t${++seq}`, 'STP', a) },
      { name: 'create an installation-wide token', permission: 'token.manage', boundToA: 'forbidden', run: (a) => ctx.services.tokens.create(`t${++seq}`, null, a) },
      { name: 'revoke a token of its own agency', permission: 'token.manage', boundToA: 'allowed', run: async (a) => ctx.services.tokens.revoke(await newToken('A'), a) },
      { name: 'revoke a token of another agency', permission: 'token.manage', boundToA: 'not found', run: async (a) => ctx.services.tokens.revoke(await newToken('B'), a) },
      { name: 'revoke an installation-wide token', permission: 'token.manage', boundToA: 'not found', run: async (a) => ctx.services.tokens.revoke(await newToken('wide'), a) },
    ];

    for (const c of CASES) {
      it(`${c.name}: needs ${c.permission}; installation-wide allowed, bound to its agency ${c.boundToA}`, async () => {
        const wrong: string[] = [];
        for (const actor of actors()) {
          const expected: Outcome = !can(actor.role, c.permission) ? 'forbidden' : actor.agencyId === null ? 'allowed' : c.boundToA;
          const outcome = await outcomeOf(() => c.run(actor));
          if (outcome !== expected) wrong.push(`${actor.name}: expected ${expected}, was ${outcome}`);
        }
        assert.deepEqual(wrong, [], `"${c.name}" answered wrongly for:\n  ${wrong.join('\n  ')}`);
      });
    }

    it("an agency's administrator lists only its own agency's accounts and tokens", async () => {
      const adminOfA: Actor = { name: 'quản trị SXD', role: 'admin', agencyId: sxd };
      await newToken('A');
      await newToken('B');
      await newToken('wide');
      const accounts = await ctx.services.users.list(adminOfA);
      assert.ok(accounts.some((u) => u.id === users.A.id), "the list holds the agency's own accounts");
      assert.deepEqual(accounts.filter((u) => u.agencyId !== sxd).map((u) => u.username), [], 'accounts of other agencies or of no agency must not be listed');
      const tokens = await ctx.services.tokens.list(adminOfA);
      assert.ok(tokens.some((t) => t.agencyId === sxd), "the list holds the agency's own tokens");
      assert.deepEqual(tokens.filter((t) => t.agencyId !== sxd).map((t) => t.name), [], 'tokens of other agencies or installation-wide ones must not be listed');
      assert.deepEqual((await ctx.services.registry.agenciesToManage(adminOfA)).map((a) => a.code), ['SXD'], 'it manages its own agency only');
    });

    it('a refused change leaves accounts and tokens as they were', async () => {
      const adminOfA: Actor = { name: 'quản trị SXD', role: 'admin', agencyId: sxd };
      const moved = await newUser('SXD');
      await outcomeOf(() => ctx.services.users.update(moved.id, { ...sameUser(moved, null), role: 'admin' }, null, adminOfA));
      const after = await ctx.services.users.get(moved.id, SYSTEM_ACTOR);
      assert.deepEqual({ role: after.role, agencyId: after.agencyId }, { role: 'counter', agencyId: sxd }, 'the account must keep its role and agency');
      const tokenOfB = await newToken('B');
      await outcomeOf(() => ctx.services.tokens.revoke(tokenOfB, adminOfA));
      const stored = (await ctx.services.tokens.list(SYSTEM_ACTOR)).find((t) => t.id === tokenOfB);
      assert.equal(stored?.revokedAt, null, "another agency's token must stay valid");
    });
  });
});
