import crypto from 'node:crypto';
import type { Agency, AgencyRepository } from '../db/agencies';
import type { Procedure, ProcedureRepository } from '../db/procedures';
import type { Dossier, DossierRepository } from '../db/dossiers';
import type { CodeMapping, InteropInboundRepository, InteropLink } from '../db/interop-inbound';
import type { ImportRepository } from '../db/import';
import type { ImportRow } from '../import/columns';
import type { InteropSource } from '../domain/interop';
import {
  claimedStage,
  compareStages,
  eventsBetween,
  readSyncDossier,
  readSyncProgress,
  roundSteps,
  SYNC_STATUSES,
  type PayloadProblem,
  type Stage,
  type SyncDossier,
} from '../domain/interop-payload';
import { computeDue } from '../domain/deadline';
import type { EventKind } from '../domain/dossier';
import { localDayOf } from '../domain/time';
import type { Actor } from '../domain/actor';
import { AppError } from '../errors';
import type { Clock } from '../clock';
import type { CalendarService } from './calendar';
import { stableJson, type DossierService } from './dossiers';
import { procedureTime } from './dossier-events';
import type { ImportService } from './import';

/** The services of the national synchronisation this endpoint speaks. */
export type SyncService = 'DongBoHoSoMC' | 'CapNhatTienDoHoSoMC';

/**
 * error_code as the one-stop systems read it: 0 taken (created, updated, already known or
 * older than what we have); otherwise refused, and why.
 */
export const SYNC_ERROR = { ok: 0, invalid: 1, unknownCode: 2, forbidden: 3, conflict: 4, notFound: 5 } as const;

export interface SyncResult {
  MaHoSo: string | null;
  error_code: number;
  message: string;
  outcome: 'created' | 'updated' | 'unchanged' | 'stale' | 'refused';
  /** Refused: each field at fault, and the refusal an administrator can replay. */
  errors?: PayloadProblem[];
  refusalId?: number;
  /** Their NgayHenTra and ours name different days. */
  dueDisagrees?: boolean;
}

export interface InteropInboundDeps {
  inbound: InteropInboundRepository;
  dossierRepo: DossierRepository;
  dossiers: DossierService;
  agencies: AgencyRepository;
  procedures: ProcedureRepository;
  calendars: CalendarService;
  /** The import's batched registration, for new dossiers that need nothing more. */
  imports: ImportService;
  importRepo: ImportRepository;
  clock: Clock;
}

type Taken = { outcome: Exclude<SyncResult['outcome'], 'refused'>; dueDisagrees?: boolean };

class Refused extends Error {
  constructor(
    readonly errorCode: number,
    readonly problems: PayloadProblem[],
  ) {
    super(problems.map((p) => p.message).join('; '));
  }
}

const OK_MESSAGES: Record<Exclude<SyncResult['outcome'], 'refused'>, string> = {
  created: 'Đã tiếp nhận hồ sơ',
  updated: 'Đã cập nhật hồ sơ',
  unchanged: 'Hồ sơ đã có, không thay đổi',
  stale: 'Bản đồng bộ cũ hơn thông tin đã có, bỏ qua',
};

/**
 * Dossiers arriving from a one-stop system in the national synchronisation format. Each one is
 * mapped to our catalogue, then created and moved through the registry's own use cases
 * (DossierService): one dossier's refusal never stops the others, the same payload twice
 * changes nothing, and a payload older than what the dossier went through never moves it back.
 */
export class InteropInboundService {
  constructor(private readonly deps: InteropInboundDeps) {}

  async receive(source: InteropSource, service: SyncService, payloads: unknown[], actor: Actor, options: { keepRefusals?: boolean } = {}): Promise<SyncResult[]> {
    const maps = await this.deps.inbound.mappings(source.id);
    const results: (SyncResult | undefined)[] = new Array(payloads.length);
    if (service === 'DongBoHoSoMC') await this.registerTogether(source, payloads, actor, maps, results);
    for (let i = 0; i < payloads.length; i++) results[i] ??= await this.one(source, service, payloads[i], actor, maps, options);
    return results as SyncResult[];
  }

  private async one(source: InteropSource, service: SyncService, payload: unknown, actor: Actor, maps: CodeMapping[], options: { keepRefusals?: boolean }): Promise<SyncResult> {
    const code = typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>).MaHoSo : undefined;
    try {
      const outcome = service === 'DongBoHoSoMC' ? await this.dossier(source, payload, actor, maps) : await this.progress(source, payload, actor);
      return { MaHoSo: String(code), error_code: SYNC_ERROR.ok, message: OK_MESSAGES[outcome.outcome], ...outcome };
    } catch (err) {
      const refusal = asRefusal(err);
      if (!refusal) throw err;
      const refusalId =
        options.keepRefusals === false
          ? undefined
          : await this.deps.inbound.refuse({
              sourceId: source.id,
              service,
              theirCode: typeof code === 'string' ? code.slice(0, 64) : null,
              problems: refusal.problems,
              payload,
              receivedAt: this.deps.clock.now().getTime(),
            });
      return { MaHoSo: typeof code === 'string' ? code : null, error_code: refusal.errorCode, message: refusal.message, outcome: 'refused', errors: refusal.problems, refusalId };
    }
  }

  /**
   * The new dossiers of a batch that need no step beyond registration (received, or resolved
   * at once), registered together through the import's batched use case — the path a file's
   * rows take — instead of one transaction each. Everything else (known codes, a code twice
   * in the batch, supplement rounds, any refusal) is left for the dossier-by-dossier path.
   */
  private async registerTogether(source: InteropSource, payloads: unknown[], actor: Actor, maps: CodeMapping[], results: (SyncResult | undefined)[]): Promise<void> {
    const now = this.deps.clock.now().getTime();
    const reads = payloads.map((p) => readSyncDossier(p, now));
    const times = new Map<string, number>();
    for (const r of reads) if ('dossier' in r) times.set(r.dossier.code, (times.get(r.dossier.code) ?? 0) + 1);
    const candidates: { index: number; d: SyncDossier; procedure: Procedure; agency: Agency }[] = [];
    for (const [index, r] of reads.entries()) {
      if (!('dossier' in r)) continue;
      const d = r.dossier;
      if (times.get(d.code) !== 1 || d.rounds.length || (source.dueGoverns === 'theirs' && d.theirDueAt !== null)) continue;
      const events = eventsBetween(REGISTERED, claimedStage(d.state, 0));
      if (!events || events.some((e) => e !== 'resolved')) continue;
      const m = await this.mapped(source, d, maps).catch((err: unknown) => (asRefusal(err) ? null : Promise.reject(err)));
      if (m) candidates.push({ index, d, ...m });
    }
    if (!candidates.length) return;
    const known = await this.deps.importRepo.existing(candidates.map((c) => c.d.code));
    const fresh = candidates.filter((c) => !known.has(c.d.code));
    const refused = new Set((await this.deps.imports.registerRows(fresh.map((c) => importRowOf(c.d, c.procedure, c.agency)), actor)).map((r) => r.line));
    const written = fresh.filter((_, k) => !refused.has(k));
    const ids = await this.deps.importRepo.existing(written.map((c) => c.d.code));
    const links: InteropLink[] = [];
    for (const c of written) {
      const dossierId = ids.get(c.d.code)?.id;
      if (dossierId === undefined) continue;
      const ourDue = computeDue(await this.deps.calendars.forAgency(c.agency), new Date(c.d.acceptedAt), procedureTime(c.procedure)).getTime();
      const dueDisagrees = disagree(c.d.theirDueAt, ourDue);
      links.push({ dossierId, sourceId: source.id, theirDueAt: c.d.theirDueAt, ourDueAt: ourDue, dueDisagrees, payloadHash: hashOf('DongBoHoSoMC', payloads[c.index]), updatedAt: now });
      results[c.index] = { MaHoSo: c.d.code, error_code: SYNC_ERROR.ok, message: OK_MESSAGES.created, outcome: 'created', dueDisagrees };
    }
    await this.deps.inbound.insertLinks(links);
  }

  private async dossier(source: InteropSource, payload: unknown, actor: Actor, maps: CodeMapping[]): Promise<Taken> {
    const now = this.deps.clock.now().getTime();
    const read = readSyncDossier(payload, now);
    if ('problems' in read) throw new Refused(SYNC_ERROR.invalid, read.problems);
    const d = read.dossier;
    const hash = hashOf('DongBoHoSoMC', payload);
    const { procedure, agency } = await this.mapped(source, d, maps);
    let existing = await this.deps.dossierRepo.byCode(d.code);
    let link = existing ? await this.deps.inbound.link(existing.id) : null;
    if (existing && link?.payloadHash === hash) return { outcome: 'unchanged', dueDisagrees: link.dueDisagrees };
    if (existing && (existing.procedureId !== procedure.id || existing.decidingAgencyId !== agency.id || existing.acceptedAt !== d.acceptedAt)) {
      throw new Refused(SYNC_ERROR.conflict, [{ field: 'MaHoSo', message: `Hồ sơ ${d.code} đã có với thủ tục, đơn vị xử lý hoặc ngày tiếp nhận khác; không ghi đè` }]);
    }
    const claimed = claimedStage(d.state, roundSteps(d.rounds));
    const from = existing ? await this.stageOf(existing, actor) : REGISTERED;
    if (compareStages(claimed, from) < 0) return { outcome: 'stale', dueDisagrees: link?.dueDisagrees };
    const events = eventsBetween(from, claimed);
    if (!events) throw this.impossible(d.code, from, d.status);

    const ourDue = computeDue(await this.deps.calendars.forAgency(agency), new Date(d.acceptedAt), procedureTime(procedure)).getTime();
    let created = false;
    if (!existing) {
      const theirsGoverns = source.dueGoverns === 'theirs' && d.theirDueAt !== null;
      const { view, created: isNew } = await this.deps.dossiers.create(
        {
          code: d.code,
          procedureCode: procedure.code,
          receivingAgencyCode: agency.code,
          decidingAgencyCode: agency.code,
          applicant: { kind: d.applicantKind, name: d.applicantName },
          phone: d.phone ?? undefined,
          email: d.email ?? undefined,
          // The citizen gave these to the one-stop system to be told about the dossier.
          consent: { zalo: d.phone !== null, email: d.email !== null, sms: false },
          channel: d.channel,
          submittedAt: d.submittedAt === null ? undefined : new Date(d.submittedAt),
          acceptedAt: new Date(d.acceptedAt),
          dueAt: theirsGoverns ? new Date(d.theirDueAt as number) : undefined,
        },
        actor,
      );
      existing = view.dossier;
      created = isNew;
      link = null;
    }
    const moved = await this.apply(existing, events, (kind, step) => eventTime(d, kind, step), `Đồng bộ từ ${source.name}`, actor);
    const theirDue = [...d.rounds].reverse().find((r) => r.newDueAt !== null)?.newDueAt ?? d.theirDueAt;
    const dueDisagrees = await this.saveLink(source, moved, link, theirDue, moved.currentDueAt ?? ourDue, hash);
    return { outcome: created ? 'created' : 'updated', dueDisagrees };
  }

  private async progress(source: InteropSource, payload: unknown, actor: Actor): Promise<Taken> {
    const read = readSyncProgress(payload, this.deps.clock.now().getTime());
    if ('problems' in read) throw new Refused(SYNC_ERROR.invalid, read.problems);
    const p = read.progress;
    const existing = await this.deps.dossierRepo.byCode(p.code);
    const link = existing ? await this.deps.inbound.link(existing.id) : null;
    if (!existing || !link || link.sourceId !== source.id) {
      throw new Refused(SYNC_ERROR.notFound, [{ field: 'MaHoSo', message: `Chưa có hồ sơ ${p.code} từ nguồn ${source.code}: cần gửi DongBoHoSoMC trước` }]);
    }
    const hash = hashOf('CapNhatTienDoHoSoMC', payload);
    if (link.payloadHash === hash) return { outcome: 'unchanged', dueDisagrees: link.dueDisagrees };
    const from = await this.stageOf(existing, actor);
    const claimed = claimedStage(p.state, from.supplementSteps);
    if (compareStages(claimed, from) < 0) return { outcome: 'stale', dueDisagrees: link.dueDisagrees };
    const events = eventsBetween(from, claimed);
    if (!events) throw this.impossible(p.code, from, p.status);
    const moved = await this.apply(existing, events, () => p.at, p.note ?? `Đồng bộ tiến độ từ ${source.name}`, actor);
    const dueDisagrees = await this.saveLink(source, moved, link, p.theirDueAt ?? link.theirDueAt, moved.currentDueAt ?? link.ourDueAt, hash);
    return { outcome: events.length ? 'updated' : 'unchanged', dueDisagrees };
  }

  /** Our procedure and agency for the sender's codes: its mapping table, else the same code in our catalogue. */
  private async mapped(source: InteropSource, d: SyncDossier, maps: CodeMapping[]): Promise<{ procedure: Procedure; agency: Agency }> {
    const mappedId = (kind: 'procedure' | 'agency', code: string) => maps.find((m) => m.kind === kind && m.theirCode === code)?.ourId;
    const pid = mappedId('procedure', d.procedureCode);
    const procedure = pid !== undefined ? await this.deps.procedures.byId(pid) : await this.deps.procedures.byCode(d.procedureCode);
    const aid = mappedId('agency', d.unitCode);
    const agency = aid !== undefined ? await this.deps.agencies.byId(aid) : await this.deps.agencies.byCode(d.unitCode);
    const problems: PayloadProblem[] = [];
    if (!procedure) problems.push({ field: 'MaTTHC', message: `Mã thủ tục MaTTHC "${d.procedureCode}" chưa được ánh xạ sang thủ tục nào của Hẹn Lại (nguồn ${source.code})` });
    if (!agency) problems.push({ field: 'DonViXuLy', message: `Mã đơn vị DonViXuLy "${d.unitCode}" chưa được ánh xạ sang cơ quan nào của Hẹn Lại (nguồn ${source.code})` });
    if (!procedure || !agency) throw new Refused(SYNC_ERROR.unknownCode, problems);
    if (source.agencyId !== null && source.agencyId !== agency.id) {
      throw new Refused(SYNC_ERROR.forbidden, [{ field: 'DonViXuLy', message: `Nguồn ${source.code} chỉ được gửi hồ sơ của cơ quan mình, không của "${agency.name}"` }]);
    }
    return { procedure, agency };
  }

  /** Where the dossier stands: its supplement steps so far (from its own history) and its state. */
  private async stageOf(d: Dossier, actor: Actor): Promise<Stage> {
    const { events } = await this.deps.dossiers.history(d.code, actor);
    return { state: d.state, supplementSteps: events.filter((e) => e.kind === 'supplement_requested' || e.kind === 'supplement_received').length };
  }

  /** Records each event through the registry's use case, never before the previous one. */
  private async apply(d: Dossier, events: EventKind[], timeOf: (kind: EventKind, step: number) => number | null, note: string, actor: Actor): Promise<Dossier> {
    let current = d;
    let last = d.acceptedAt;
    let step = (await this.stageOf(d, actor)).supplementSteps;
    for (const kind of events) {
      const at = Math.min(Math.max(timeOf(kind, step) ?? last, last), this.deps.clock.now().getTime());
      current = (await this.deps.dossiers.recordEvent(d.code, { kind, occurredAt: new Date(at), note }, actor)).dossier;
      last = at;
      if (kind === 'supplement_requested' || kind === 'supplement_received') step++;
    }
    return current;
  }

  private async saveLink(source: InteropSource, d: Dossier, link: InteropLink | null, theirDue: number | null, ourDue: number | null, hash: string): Promise<boolean> {
    const dueDisagrees = disagree(theirDue, ourDue);
    await this.deps.inbound.saveLink({
      dossierId: d.id,
      sourceId: source.id,
      theirDueAt: theirDue ?? link?.theirDueAt ?? null,
      ourDueAt: ourDue,
      dueDisagrees,
      payloadHash: hash,
      updatedAt: this.deps.clock.now().getTime(),
    });
    return dueDisagrees;
  }

  private impossible(code: string, from: Stage, status: number): Refused {
    return new Refused(SYNC_ERROR.conflict, [
      { field: 'TrangThaiHoSo', message: `Hồ sơ ${code} đang ở trạng thái "${from.state}", không thể chuyển sang ${status} (${SYNC_STATUSES[status].label})` },
    ]);
  }
}

const REGISTERED: Stage = { supplementSteps: 0, state: 'received' };

function hashOf(service: SyncService, payload: unknown): string {
  return crypto.createHash('sha256').update(`${service}:${stableJson(payload)}`).digest('hex');
}

/** Their date and ours name different days (the time of day is each side's own convention). */
function disagree(theirs: number | null, ours: number | null): boolean {
  return theirs !== null && ours !== null && localDayOf(new Date(theirs)) !== localDayOf(new Date(ours));
}

/** A DongBoHoSoMC dossier as the import registers a row (DonViXuLy receives and decides it). */
function importRowOf(d: SyncDossier, procedure: Procedure, agency: Agency): ImportRow {
  return {
    code: d.code,
    procedureCode: procedure.code,
    receivingAgencyCode: agency.code,
    decidingAgencyCode: agency.code,
    applicantKind: d.applicantKind,
    applicantName: d.applicantName,
    phone: d.phone,
    email: d.email,
    address: null,
    consentZalo: d.phone !== null,
    consentEmail: d.email !== null,
    consentSms: false,
    channel: d.channel,
    submittedAt: d.submittedAt,
    acceptedAt: d.acceptedAt,
    resolvedAt: d.state === 'resolved' ? d.resolvedAt : null,
  };
}

/** When each registry event happened, by the dates the payload carries. */
function eventTime(d: SyncDossier, kind: EventKind, step: number): number | null {
  const round = d.rounds[Math.floor(step / 2)];
  switch (kind) {
    case 'supplement_requested':
      return round?.requestedAt ?? null;
    case 'supplement_received':
      return round?.receivedAt ?? null;
    case 'resolved':
      return d.resolvedAt;
    case 'returned':
      return d.returnedAt;
    case 'withdrawn':
    case 'rejected':
      return d.closedAt;
    default:
      return null;
  }
}

/** A refusal for one dossier: our own, or a rule of the registry's use cases (4xx). */
function asRefusal(err: unknown): Refused | null {
  if (err instanceof Refused) return err;
  if (err instanceof AppError && err.status < 500) {
    const code = err.status === 403 ? SYNC_ERROR.forbidden : err.status === 409 || err.status === 422 ? SYNC_ERROR.conflict : err.status === 404 ? SYNC_ERROR.notFound : SYNC_ERROR.invalid;
    return new Refused(code, err.fields.length ? err.fields : [{ field: '(hồ sơ)', message: err.message }]);
  }
  return null;
}
