import { AGENCY, dossierBody, seedBasics, type TestContext } from './context';

export const at = (iso: string) => new Date(iso).getTime();

/**
 * Wednesday 18/03/2026, 09:00. SXD's dossiers: one slipped yesterday, one due today, one due
 * tomorrow (none with an apology), one due today with a draft waiting for the leader, one due
 * next week with an older draft, one whose draft the leader returned. SNN has one late dossier
 * with a draft and a message to call: none of it is SXD's to act on.
 */
export async function seedWorkQueues(ctx: TestContext): Promise<Record<string, number>> {
  await seedBasics(ctx);
  await ctx.api('post', '/api/v1/agencies').send({ ...AGENCY, code: 'SNN', name: 'Sở Nông nghiệp và Môi trường', letterSymbol: 'PXL-SNN', contactEmail: null }).expect(201);
  const dossier = async (code: string, due: string, agency = 'SXD', name = `Người dân ${code}`) => {
    await ctx.api('post', '/api/v1/dossiers').send(dossierBody({ code, receivingAgencyCode: agency, decidingAgencyCode: agency, applicant: { kind: 'person', name }, acceptedAt: '2026-03-02T08:00:00+07:00' })).expect(201);
    await ctx.db('dossiers').where({ code }).update({ current_due_at: at(due) });
  };
  await dossier('SXD-QUAHAN', '2026-03-17T17:00:00+07:00', 'SXD', 'Lê Thị Hoa');
  await dossier('SXD-HOMNAY', '2026-03-18T17:00:00+07:00');
  await dossier('SXD-NGAYMAI', '2026-03-19T17:00:00+07:00');
  await dossier('SXD-TUANSAU', '2026-03-27T17:00:00+07:00');
  await dossier('SXD-CHODUYET', '2026-03-18T17:00:00+07:00');
  await dossier('SXD-CU', '2026-03-26T17:00:00+07:00');
  await dossier('SXD-TRALAI', '2026-03-26T17:00:00+07:00');
  await dossier('SNN-QUAHAN', '2026-03-16T17:00:00+07:00', 'SNN', 'Trần Thị Bích');
  ctx.clock.set(new Date('2026-03-18T08:00:00+07:00'));
  const draft = async (code: string) => (await ctx.api('post', `/api/v1/dossiers/${code}/apologies`).send({ reason: 'Cần lấy ý kiến cơ quan phối hợp' }).expect(201)).body.id as number;
  const ids: Record<string, number> = { old: await draft('SXD-CU') };
  ctx.clock.set(new Date('2026-03-18T08:30:00+07:00'));
  ids.waiting = await draft('SXD-CHODUYET');
  ids.returned = await draft('SXD-TRALAI');
  ids.snn = await draft('SNN-QUAHAN');
  await ctx.api('post', `/api/v1/apologies/${ids.returned}/return`).send({ comment: 'Ghi rõ tên cơ quan phối hợp' }).expect(200);
  // Messages waiting at the counter: the Zalo message failed, its fallback is to call or print.
  for (const code of ['SXD-QUAHAN', 'SNN-QUAHAN']) {
    const d = await ctx.db('dossiers').where({ code }).first();
    const base = { kind: 'new_appointment', audience: 'citizen', agency_id: d.receiving_agency_id, dossier_id: d.id, payload: '{}', not_before: at('2026-03-18T08:00:00+07:00'), created_at: at('2026-03-18T08:00:00+07:00'), updated_at: at('2026-03-18T08:00:00+07:00') };
    const [zalo] = await ctx.db('notices').insert({ ...base, business_key: `${code}:zalo`, channel: 'zalo', recipient: '0912345678', status: 'permanent-failure', last_error: 'zalo:-118: no account', attempts: 1 }).returning('id');
    const [print] = await ctx.db('notices').insert({ ...base, business_key: `${code}:print`, channel: 'print', recipient: '0912345678', status: 'created', fallback_of: Number(typeof zalo === 'object' ? zalo.id : zalo) }).returning('id');
    ids[`call-${code}`] = Number(typeof print === 'object' ? print.id : print);
  }
  ctx.clock.set(new Date('2026-03-18T09:00:00+07:00'));
  return ids;
}

