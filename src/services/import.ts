import crypto from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Db } from '../db/connection';
import type { Agency, AgencyRepository } from '../db/agencies';
import type { Procedure, ProcedureRepository } from '../db/procedures';
import type { Dossier, DossierEvent, DossierRepository, NewDossier } from '../db/dossiers';
import type { ExistingDossier, ImportRepository } from '../db/import';
import type { WorkingCalendar } from '../domain/calendar';
import { computeDue, resolutionOf } from '../domain/deadline';
import { foldForSearch } from '../domain/contact';
import { isOpen } from '../domain/dossier';
import { IMPORT_COLUMNS, mapHeader, parseRow, type ImportRow } from '../import/columns';
import { csvLines } from '../import/csv';
import { DEFAULT_READ_LIMITS, FileRefused, type Line, type ReadLimits } from '../import/read';
import { ValidationError } from '../errors';
import type { CalendarService } from './calendar';
import type { Clock } from '../clock';
import { actsFor, type Actor } from '../domain/actor';
import { authorize } from './authorize';
import { procedureTime } from './dossier-events';

export type ImportFormat = 'csv' | 'xlsx';

export interface ImportProgress {
  /** Data rows read so far (the header is not counted). */
  rowsRead: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
}

export interface ImportRejection {
  /** The line in the file (CSV) or the row number (XLSX); the header is line 1. */
  line: number;
  /** The column header, or "(dòng)" for a problem with the whole row. */
  field: string;
  reason: string;
}

export interface ImportReport extends ImportProgress {
  /** The first MAX_REJECTIONS problems; `rejected` counts them all. */
  rejections: ImportRejection[];
}

export interface ImportOptions {
  actor: Actor;
  /** Called after every committed batch, so a page or a terminal can show how far it got. */
  onProgress?: (p: ImportProgress) => void;
  /** Rows per transaction. */
  batchSize?: number;
  /** How large a record, a cell, an unzipped workbook may be (tests set small ones). */
  limits?: ReadLimits;
}

const MAX_REJECTIONS = 10_000;
const DEFAULT_BATCH = 20_000;
const WHOLE_ROW = '(dòng)';

export interface ImportServiceDeps {
  db: Db;
  repo: ImportRepository;
  dossiers: DossierRepository;
  agencies: AgencyRepository;
  procedures: ProcedureRepository;
  calendars: CalendarService;
  clock: Clock;
}

/**
 * Imports a dossier list exported from another one-stop system: each row is checked on its own
 * (a bad row is reported with its line, column and reason and the others go on), new codes are
 * registered with their due date computed here, known codes are updated, in batched transactions.
 */
export class ImportService {
  constructor(private readonly deps: ImportServiceDeps) {}

  /**
   * The documented column set, for the upload page. Importing registers dossiers, which is the
   * counter's work (and the command line's, as the system): the same permission as one dossier.
   */
  columns(actor: Actor): typeof IMPORT_COLUMNS {
    authorize(actor, 'dossier.create');
    return IMPORT_COLUMNS;
  }

  async importDossiers(input: Readable, format: ImportFormat, options: ImportOptions): Promise<ImportReport> {
    authorize(options.actor, 'dossier.create');
    const limits = options.limits ?? DEFAULT_READ_LIMITS;
    // The XLSX reader (exceljs, ~1.3 s to load) only when an XLSX file comes, not at every start.
    const lines = format === 'csv' ? csvLines(input, limits) : (require('../import/xlsx') as typeof import('../import/xlsx')).xlsxLines(input, limits);
    const first = await lines.next();
    if (first.done) throw new ValidationError([{ field: 'file', message: 'Tệp trống: cần dòng tiêu đề và các dòng hồ sơ' }]);
    const { index, missing } = mapHeader(first.value.cells.map((c) => String(c ?? '')));
    if (missing.length) {
      throw new ValidationError(
        missing.map((h) => ({ field: h, message: `Thiếu cột "${h}" ở dòng tiêu đề (các cột: ${IMPORT_COLUMNS.map((c) => c.header).join(', ')})` })),
      );
    }
    return this.deps.repo.withLargeCache(() => this.run(lines, index, options));
  }

  /**
   * Registers records another system already holds as structured data (a one-stop system's
   * batch), the way a file's rows are written: checked one by one, in one batched transaction.
   * Answers each refused record's problem, by its index in `rows`.
   */
  async registerRows(rows: ImportRow[], actor: Actor): Promise<ImportRejection[]> {
    authorize(actor, 'dossier.create');
    const report: ImportReport = { rowsRead: rows.length, created: 0, updated: 0, unchanged: 0, rejected: 0, rejections: [] };
    const reject = (line: number, field: string, reason: string) => {
      report.rejected++;
      report.rejections.push({ line, field, reason });
    };
    await this.writeBatch(rows.map((row, line) => ({ line, row })), await this.context(), actor, report, reject);
    return report.rejections;
  }

  private async run(lines: AsyncGenerator<Line>, index: ReturnType<typeof mapHeader>['index'], options: ImportOptions): Promise<ImportReport> {
    const ctx = await this.context();
    const report: ImportReport = { rowsRead: 0, created: 0, updated: 0, unchanged: 0, rejected: 0, rejections: [] };
    const reject = (line: number, field: string, reason: string) => {
      report.rejected++;
      if (report.rejections.length < MAX_REJECTIONS) report.rejections.push({ line, field, reason });
    };
    const batchSize = options.batchSize ?? DEFAULT_BATCH;
    let batch: { line: number; row: ImportRow }[] = [];
    // One batch is written while the next is parsed: the database works on its own thread.
    let writing: Promise<void> = Promise.resolve();
    const flush = async () => {
      const rows = batch;
      batch = [];
      await writing;
      writing = this.writeBatch(rows, ctx, options.actor, report, reject).then(() => options.onProgress?.(progressOf(report)));
      // Parsing goes on meanwhile: a failed write is awaited (and thrown) before the next one.
      writing.catch(() => undefined);
    };
    try {
      for await (const { line, cells, problem } of lines) {
        if (problem) {
          report.rowsRead++;
          reject(line, WHOLE_ROW, problem);
          continue;
        }
        if (cells.every((c) => c === null || c === undefined || String(c).trim() === '')) continue;
        report.rowsRead++;
        const parsed = parseRow(cells, index);
        if ('problems' in parsed) {
          for (const p of parsed.problems) reject(line, p.field, p.reason);
          continue;
        }
        batch.push({ line, row: parsed.row });
        if (batch.length >= batchSize) await flush();
      }
    } catch (err) {
      // A file refused midway (a record too long, an XLSX past its limits): the good rows read
      // before it are written, as its message says, then the refusal ends the import.
      if (err instanceof FileRefused) {
        await flush();
        await writing;
      }
      throw err;
    }
    await flush();
    await writing;
    // Reference checks happen when a batch is written, after later lines were already parsed.
    report.rejections.sort((a, b) => a.line - b.line);
    return report;
  }

  private async context(): Promise<ImportContext> {
    const agencies = await this.deps.agencies.list();
    const procedures = await this.deps.procedures.list();
    const calendars = new Map<number, WorkingCalendar>();
    for (const a of agencies) calendars.set(a.id, await this.deps.calendars.forAgency(a));
    return {
      agencies: new Map(agencies.map((a) => [a.code, a])),
      agencyById: new Map(agencies.map((a) => [a.id, a])),
      procedures: new Map(procedures.map((p) => [p.code, p])),
      calendars,
    };
  }

  private async writeBatch(
    rows: { line: number; row: ImportRow }[],
    ctx: ImportContext,
    actor: Actor,
    report: ImportReport,
    reject: (line: number, field: string, reason: string) => void,
  ): Promise<void> {
    const now = this.deps.clock.now().getTime();
    const ready: Prepared[] = [];
    const seen = new Map<string, number>();
    for (const { line, row } of rows) {
      const earlier = seen.get(row.code);
      if (earlier !== undefined) {
        reject(line, 'Mã hồ sơ', `Mã hồ sơ trùng với dòng ${earlier} của cùng tệp`);
        continue;
      }
      seen.set(row.code, line);
      const p = this.prepare(line, row, ctx, actor, now, reject);
      if (p) ready.push(p);
    }
    if (!ready.length) return;
    await this.deps.db.transaction(async () => {
      const existing = await this.deps.repo.existing(ready.map((p) => p.dossier.code));
      const fresh = ready.filter((p) => !existing.has(p.dossier.code));
      const ids = await this.deps.repo.insertDossiers(fresh.map((p) => p.dossier), now);
      const events: Omit<DossierEvent, 'id'>[] = [];
      for (const p of fresh) {
        const dossierId = ids.get(p.dossier.code) as number;
        const due = p.dossier.originalDueAt as number;
        events.push({ dossierId, kind: 'created', occurredAt: p.dossier.acceptedAt, recordedAt: now, actor: actor.name, data: { dueAt: due, source: 'import' }, note: null });
        if (p.dossier.resolvedAt !== null) {
          events.push({
            dossierId,
            kind: 'resolved',
            occurredAt: p.dossier.resolvedAt,
            recordedAt: now,
            actor: actor.name,
            data: { from: 'received', to: 'resolved', dueBefore: due, resolution: p.dossier.resolution, source: 'import' },
            note: null,
          });
        }
      }
      report.created += fresh.length;
      for (const p of ready) {
        const known = existing.get(p.dossier.code);
        if (known) await this.update(known, p, actor, now, report, reject, events);
      }
      await this.deps.repo.insertEvents(events);
    });
  }

  /** The dossier a valid row describes, or null after rejecting it for a reference or a rule. */
  private prepare(line: number, row: ImportRow, ctx: ImportContext, actor: Actor, now: number, reject: (l: number, f: string, r: string) => void): Prepared | null {
    const procedure = ctx.procedures.get(row.procedureCode);
    const receiving = ctx.agencies.get(row.receivingAgencyCode);
    const deciding = row.decidingAgencyCode
      ? ctx.agencies.get(row.decidingAgencyCode)
      : procedure?.agencyId
        ? ctx.agencyById.get(procedure.agencyId)
        : receiving;
    let ok = true;
    const fail = (field: string, reason: string) => {
      reject(line, field, reason);
      ok = false;
    };
    if (!procedure) fail('Mã thủ tục', `Không có thủ tục mã "${row.procedureCode}"`);
    if (!receiving) fail('Mã cơ quan tiếp nhận', `Không có cơ quan mã "${row.receivingAgencyCode}"`);
    if (row.decidingAgencyCode && !deciding) fail('Mã cơ quan giải quyết', `Không có cơ quan mã "${row.decidingAgencyCode}"`);
    if (row.acceptedAt > now) fail('Ngày tiếp nhận', 'Ngày tiếp nhận không được ở tương lai');
    if (row.resolvedAt !== null && row.resolvedAt > now) fail('Ngày có kết quả', 'Ngày có kết quả không được ở tương lai');
    if (!ok || !procedure || !receiving || !deciding) return null;
    if (!actsFor(actor, receiving.id) && !actsFor(actor, deciding.id)) {
      fail(WHOLE_ROW, 'Mã truy cập này chỉ được nhập hồ sơ do cơ quan mình tiếp nhận hoặc giải quyết');
      return null;
    }
    const time = procedureTime(procedure);
    const due = computeDue(ctx.calendars.get(deciding.id) as WorkingCalendar, new Date(row.acceptedAt), time).getTime();
    const resolved = row.resolvedAt !== null;
    const dossier: NewDossier = {
      code: row.code,
      procedureId: procedure.id,
      receivingAgencyId: receiving.id,
      decidingAgencyId: deciding.id,
      applicantKind: row.applicantKind,
      applicantName: row.applicantName,
      representativeName: null,
      representativePhone: null,
      representativeEmail: null,
      representativeAddress: null,
      phone: row.phone,
      email: row.email,
      address: row.address,
      consentZalo: row.consentZalo,
      consentEmail: row.consentEmail,
      consentSms: row.consentSms,
      channel: row.channel,
      submittedAt: row.submittedAt,
      acceptedAt: row.acceptedAt,
      clockStartedAt: row.acceptedAt,
      clockUnit: time.unit,
      clockAmount: time.unit === 'same_day' ? time.cutoffMinute : time.amount,
      originalDueAt: due,
      currentDueAt: due,
      deadlineVersion: 1,
      extensionsCount: 0,
      state: resolved ? 'resolved' : 'received',
      resolution: resolved ? resolutionOf(new Date(row.resolvedAt as number), new Date(due)) : null,
      resolvedAt: row.resolvedAt,
      closedAt: null,
      searchText: foldForSearch(`${row.code} ${row.applicantName} `),
      // Not the API's hash: an imported dossier re-sent through POST /dossiers is a conflict, not a replay.
      contentHash: crypto.createHash('sha256').update(`import:${JSON.stringify(row)}`).digest('hex'),
    };
    return { line, dossier };
  }

  /**
   * A code already registered: contact details and consent follow the file, a result date
   * resolves an open dossier; what fixes the deadline (procedure, agencies, acceptance) never
   * changes through an import.
   */
  private async update(
    known: ExistingDossier,
    p: Prepared,
    actor: Actor,
    now: number,
    report: ImportReport,
    reject: (l: number, f: string, r: string) => void,
    events: Omit<DossierEvent, 'id'>[],
  ): Promise<void> {
    const d = p.dossier;
    if (known.procedureId !== d.procedureId || known.receivingAgencyId !== d.receivingAgencyId || known.decidingAgencyId !== d.decidingAgencyId) {
      reject(p.line, 'Mã hồ sơ', 'Hồ sơ đã có với thủ tục hoặc cơ quan khác; không nhập đè');
      return;
    }
    if (known.acceptedAt !== d.acceptedAt) {
      reject(p.line, 'Ngày tiếp nhận', 'Hồ sơ đã có với ngày tiếp nhận khác; không nhập đè');
      return;
    }
    const patch: Partial<Dossier> = {};
    for (const k of ['applicantKind', 'applicantName', 'phone', 'email', 'address', 'consentZalo', 'consentEmail', 'consentSms', 'channel', 'submittedAt'] as const) {
      if (known[k] !== d[k]) Object.assign(patch, { [k]: d[k] });
    }
    if (patch.applicantName !== undefined) patch.searchText = foldForSearch(`${d.code} ${d.applicantName} `);
    if (d.resolvedAt !== null && isOpen(known.state) && known.currentDueAt !== null) {
      if (d.resolvedAt < known.acceptedAt) {
        reject(p.line, 'Ngày có kết quả', 'Ngày có kết quả phải sau ngày tiếp nhận');
        return;
      }
      patch.state = 'resolved';
      patch.resolvedAt = d.resolvedAt;
      patch.resolution = resolutionOf(new Date(d.resolvedAt), new Date(known.currentDueAt));
      events.push({
        dossierId: known.id,
        kind: 'resolved',
        occurredAt: d.resolvedAt,
        recordedAt: now,
        actor: actor.name,
        data: { from: known.state, to: 'resolved', dueBefore: known.currentDueAt, resolution: patch.resolution, source: 'import' },
        note: null,
      });
    }
    if (!Object.keys(patch).length) {
      report.unchanged++;
      return;
    }
    await this.deps.dossiers.update(known.id, patch, now);
    report.updated++;
  }
}

interface ImportContext {
  agencies: Map<string, Agency>;
  agencyById: Map<number, Agency>;
  procedures: Map<string, Procedure>;
  calendars: Map<number, WorkingCalendar>;
}

interface Prepared {
  line: number;
  dossier: NewDossier;
}

function progressOf(r: ImportReport): ImportProgress {
  return { rowsRead: r.rowsRead, created: r.created, updated: r.updated, unchanged: r.unchanged, rejected: r.rejected };
}
