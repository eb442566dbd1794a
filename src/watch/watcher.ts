import type { Db } from '../db/connection';
import type { Agency, AgencyRepository } from '../db/agencies';
import type { ApologyRepository, EscalationRepository } from '../db/apologies';
import type { Dossier, DossierRepository } from '../db/dossiers';
import type { NoticeRepository } from '../db/notices';
import type { AtRiskRow, WaitingSignature, WatchRepository } from '../db/watch';
import { agencyFault, awaitedSignatureInWords, signatureWait, waitInWords } from '../domain/signature-wait';
import { dayToIso, localDayOf } from '../domain/time';
import { shortDate, shortInstant } from '../domain/vn-format';
import { AppError } from '../errors';
import type { Logger } from '../logger';
import { eachConcurrently } from '../workers/concurrently';
import { runPeriodically } from '../workers/periodic';
import type { ApologyFiles, ApologyWorkflow } from '../services/apologies';
import type { CalendarService } from '../services/calendar';
import type { Clock } from '../clock';
import type { Actor } from '../domain/actor';

export interface TickReport {
  atRisk: number;
  digests: number;
  drafted: number;
  issued: number;
  escalated: number;
  pdfs: number;
  /** Letters whose PDF could not be made this time; the next tick tries them again. */
  pdfsFailed: number;
  refused: number;
  /** Leaders warned again about a letter still waiting for their signature. */
  signatureReminders: number;
}

export interface AtRiskItem extends AtRiskRow {
  agency: Agency;
  overdue: boolean;
  /**
   * Overdue with nothing done yet, or a draft still waiting for approval after the deadline, or
   * a letter that has waited too long for the leader's signature (domain/signature-wait).
   */
  urgent: boolean;
}

export interface WatcherOptions {
  batchSize: number;
  /**
   * Letters rendered at once (the PDF renderer's pages): slipped dossiers are handled this many
   * at a time — a signed letter is rendered while another is numbered and signed — and missing
   * PDFs rendered this many at a time.
   */
  pdfConcurrency: number;
}

export interface DeadlineWatcherDeps {
  db: Db;
  watch: WatchRepository;
  dossiers: DossierRepository;
  agencies: AgencyRepository;
  workflow: ApologyWorkflow;
  files: ApologyFiles;
  apologies: ApologyRepository;
  escalations: EscalationRepository;
  notices: NoticeRepository;
  calendars: CalendarService;
  clock: Clock;
  logger: Logger;
  options?: WatcherOptions;
}

/**
 * The deadline watcher: once a minute (and as `henlai tick`) it lists what is due soon and sends
 * each agency one digest a day, gives every slipped dossier its apology — drafted, approved and
 * issued at once in `auto` mode, left as a draft for a leader in `review` mode — escalates a
 * dossier that slips past its last allowed re-appointment, and renders letters still without a PDF.
 * Several processes may run it at once: every action is a unique row, claimed in a transaction.
 */
export class DeadlineWatcher {
  private readonly options: WatcherOptions;

  constructor(private readonly deps: DeadlineWatcherDeps) {
    this.options = deps.options ?? { batchSize: 500, pdfConcurrency: 2 };
  }

  /**
   * Open dossiers due soon or overdue, with their apology's state. `enteredSince` (an instant)
   * keeps only those that came onto the list after it — for a screen that already showed the
   * list then: the dossier was registered, restarted or re-appointed since, or was not yet
   * due soon at that instant. (A letter whose state alone changed does not bring its dossier back.)
   */
  async atRisk(agencyIds: number[] | null, limit = 500, enteredSince?: number): Promise<AtRiskItem[]> {
    const all = await this.deps.agencies.list();
    const scoped = agencyIds ? all.filter((a) => agencyIds.includes(a.id)) : all;
    const now = this.deps.clock.now();
    const entered = enteredSince === undefined ? undefined : { at: enteredSince, untilByAgency: await this.deps.calendars.dueSoonUntil(scoped, new Date(enteredSince)) };
    const rows = await this.deps.watch.atRisk(await this.deps.calendars.dueSoonUntil(scoped, now), limit, entered);
    const byId = new Map(all.map((a) => [a.id, a]));
    return rows.map((r) => {
      const dueAt = r.dossier.currentDueAt as number;
      const overdue = dueAt < now.getTime();
      const waitUrgent = r.signatureWaitingSince !== null && signatureWait(r.signatureWaitingSince, dueAt, now).urgent;
      return { ...r, agency: byId.get(r.dossier.decidingAgencyId) as Agency, overdue, urgent: (overdue && r.apologyStatus !== 'issued') || waitUrgent };
    });
  }

  async tick(): Promise<TickReport> {
    const report: TickReport = { atRisk: 0, digests: 0, drafted: 0, issued: 0, escalated: 0, pdfs: 0, pdfsFailed: 0, refused: 0, signatureReminders: 0 };
    await this.digests(report);
    await this.slipped(report);
    await this.signatureReminders(report);
    Object.assign(report, await this.renderMissingPdfs());
    return report;
  }

  private async digests(report: TickReport): Promise<void> {
    const now = this.deps.clock.now();
    const today = dayToIso(localDayOf(now));
    // Once every agency with an address has had today's digest there is nothing to list until
    // tomorrow: the every-minute tick must not reload the whole at-risk list.
    const done = await this.deps.notices.digestedAgencies(today);
    const pending = (await this.deps.agencies.list()).filter((a) => a.contactEmail && !done.has(a.id)).map((a) => a.id);
    if (!pending.length) return;
    const items = await this.atRisk(pending, 100_000);
    report.atRisk = items.length;
    const byAgency = new Map<number, AtRiskItem[]>();
    for (const item of items) {
      if (item.apologyStatus === 'issued') continue;
      const list = byAgency.get(item.agency.id);
      if (list) list.push(item);
      else byAgency.set(item.agency.id, [item]);
    }
    for (const [agencyId, list] of byAgency) {
      const agency = list[0].agency;
      if (!agency.contactEmail) continue;
      const sent = await this.deps.db.transaction(async () => {
        if (!(await this.deps.notices.claimDigest(agencyId, today, list.length, now.getTime()))) return false;
        await this.deps.notices.enqueue(
          [
            {
              businessKey: `digest:${agencyId}:${today}`,
              kind: 'at_risk_digest',
              audience: 'staff',
              channel: 'email',
              recipient: agency.contactEmail as string,
              agencyId,
              dossierId: null,
              apologyId: null,
              notBefore: now.getTime(),
              payload: digestMessage(agency, list, now),
            },
          ],
          now.getTime(),
        );
        return true;
      });
      if (sent) report.digests++;
    }
  }

  /**
   * A leader who approved but has not signed holds the citizen's new date back. Once the wait is
   * urgent (domain/signature-wait) the agency's staff address gets one reminder per approval; a
   * new approval after a refusal may be reminded again.
   */
  private async signatureReminders(report: TickReport): Promise<void> {
    const now = this.deps.clock.now();
    const waiting = await this.deps.watch.waitingSignatures(10_000);
    if (!waiting.length) return;
    const agencies = new Map((await this.deps.agencies.list()).map((a) => [a.id, a]));
    for (const w of waiting) {
      const agency = agencies.get(w.agencyId);
      const wait = signatureWait(w.waitingSince, w.dueAt, now);
      // The leader who must sign, when their account has an address; otherwise the agency's contact.
      const recipient = (w.waitingFor === 'leader' ? w.approverEmail : null) ?? agency?.contactEmail;
      if (!agency || !recipient || !wait.urgent) continue;
      report.signatureReminders += await this.deps.notices.enqueue(
        [
          {
            // The agency layer has its own key: a letter reminded while the leader's signature was
            // awaited is reminded again when its agency's certificate fails.
            businessKey: w.waitingFor === 'leader' ? `signature-reminder:${w.apologyId}:${w.approvedAt}` : `signature-reminder:agency:${w.apologyId}:${w.waitingSince}`,
            kind: 'signature_reminder',
            audience: 'staff',
            channel: 'email',
            recipient,
            agencyId: agency.id,
            dossierId: null,
            apologyId: w.apologyId,
            notBefore: now.getTime(),
            payload: w.waitingFor === 'leader' ? signatureReminderMessage(agency, w, wait.waitedMs) : agencySignatureReminderMessage(agency, w, wait.waitedMs),
          },
        ],
        now.getTime(),
      );
    }
  }

  private async slipped(report: TickReport): Promise<void> {
    const now = this.deps.clock.now().getTime();
    const agencies = new Map((await this.deps.agencies.list()).map((a) => [a.id, a]));
    const auto = [...agencies.values()].filter((a) => a.settings.apologyMode === 'auto').map((a) => a.id);
    let after: { dueAt: number; id: number } | null = null;
    for (;;) {
      const batch = await this.deps.watch.slipped(now, after, this.options.batchSize, auto);
      if (!batch.length) break;
      const last = batch[batch.length - 1];
      after = { dueAt: last.currentDueAt as number, id: last.id };
      // Each dossier is its own transactions, so two run side by side: numbers stay gap-free (a
      // number is taken and used in the issuing transaction, the sequence row locked until it
      // commits) and notices are still queued only in that transaction.
      await eachConcurrently(batch, this.options.pdfConcurrency, async (candidate) => {
        const agency = agencies.get(candidate.decidingAgencyId) as Agency;
        try {
          await this.actOn(candidate, agency, report);
        } catch (err) {
          if (!(err instanceof AppError)) throw err;
          // A rule refused (another process got there first, a signer is not configured…):
          // the dossier stays on the at-risk list, where a person sees why.
          report.refused++;
          this.deps.logger.warn({ dossier: candidate.code, code: err.code, err: err.message }, 'watcher could not apologise');
        }
      });
    }
  }

  private async actOn(candidate: Dossier, agency: Agency, report: TickReport): Promise<void> {
    const actor: Actor = { name: `hệ thống (thay mặt ${agency.code})`, agencyId: null, role: 'system' };
    let toSign: number | null = null;
    await this.deps.db.transaction(async () => {
      const d = await this.deps.watch.lockForWatch(candidate.id);
      if (!d || d.deadlineVersion !== candidate.deadlineVersion || d.currentDueAt !== candidate.currentDueAt) return;
      if (d.extensionsCount >= agency.settings.maxExtensions) {
        const first = await this.deps.escalations.record(
          { dossierId: d.id, deadlineVersion: d.deadlineVersion, agencyId: agency.id, kind: 'second_slip', dueAt: d.currentDueAt as number, createdAt: this.deps.clock.now().getTime() },
        );
        if (first) {
          await this.deps.dossiers.addEvent(
            {
              dossierId: d.id,
              kind: 'escalated',
              occurredAt: this.deps.clock.now().getTime(),
              recordedAt: this.deps.clock.now().getTime(),
              actor: actor.name,
              data: { dueAt: d.currentDueAt, extensionsCount: d.extensionsCount, maxExtensions: agency.settings.maxExtensions },
              note: 'Trễ cả ngày hẹn lại: báo cáo cấp trên, không hẹn lại thêm',
            },
          );
          report.escalated++;
        }
        return;
      }
      // In auto mode an officer's draft for this deadline, left waiting, is issued like the watcher's own.
      const waiting = await this.deps.apologies.activeFor(d.id, d.deadlineVersion);
      if (waiting && (waiting.status !== 'draft' || agency.settings.apologyMode !== 'auto')) return;
      // A letter whose new date came while it waited for a signature is re-dated, not drafted again.
      const draft = waiting ? ((await this.deps.workflow.redateInTx(waiting, d, actor)) ?? waiting) : await this.deps.workflow.draftInTx(d, {}, actor, 'watcher');
      if (!waiting) report.drafted++;
      if (agency.settings.apologyMode === 'auto') {
        // An agency that signs approves like a leader, with its configured signer, after this transaction.
        const policy = draft.issuingAgencyId === agency.id ? await this.deps.workflow.signingPolicyOf(agency) : await this.deps.workflow.signingPolicy(draft.id);
        if (policy.sign) toSign = draft.id;
        else {
          await this.deps.workflow.issueInTx(draft, actor);
          report.issued++;
        }
      }
    });
    if (toSign !== null) {
      try {
        if ((await this.deps.workflow.approveDraft(toSign, actor)).status === 'issued') report.issued++;
      } catch (err) {
        this.deps.logger.warn({ err, apology: toSign }, 'auto-mode apology not signed; it stays a draft with the reason shown');
      }
    }
  }

  /**
   * Letters are issued with their HTML; the PDF follows outside the transaction, a few at a time.
   * One that cannot be made is logged and left for the next tick: it must neither stop the
   * others nor be tried again within this pass.
   */
  async renderMissingPdfs(): Promise<{ pdfs: number; pdfsFailed: number }> {
    const done = { pdfs: 0, pdfsFailed: 0 };
    for (let afterId = 0; ; ) {
      const ids = await this.deps.apologies.issuedWithoutPdf(afterId, 200);
      if (!ids.length) return done;
      afterId = ids[ids.length - 1];
      await eachConcurrently(ids, this.options.pdfConcurrency, async (id) => {
        try {
          await this.deps.files.ensurePdf(id);
          done.pdfs++;
        } catch (err) {
          done.pdfsFailed++;
          this.deps.logger.warn({ err, apology: id }, 'letter PDF could not be made; the next tick tries again');
        }
      });
    }
  }

  /** Runs `tick` every `intervalMs` until the returned function is called; never two ticks at once. */
  start(intervalMs: number): () => Promise<void> {
    return runPeriodically(
      () => this.tick(),
      intervalMs,
      (r) => {
        if (r.drafted || r.escalated || r.digests || r.refused || r.pdfsFailed || r.signatureReminders) this.deps.logger.info({ tick: r }, 'deadline watcher');
      },
      (err) => this.deps.logger.error({ err }, 'deadline watcher tick failed'),
    );
  }
}

function digestMessage(agency: Agency, list: AtRiskItem[], now: Date): Record<string, unknown> {
  const subject = `[Hẹn Lại] ${list.length} hồ sơ sắp đến hạn hoặc quá hạn — ${agency.name} — ${shortDate(localDayOf(now))}`;
  const lines = list.map((i) => {
    const state = i.signatureWaitingSince !== null
      ? `${i.overdue ? 'QUÁ HẠN, ' : ''}thư xin lỗi ${awaitedSignatureInWords({ waitingFor: i.signatureWaitingFor ?? 'leader', problem: i.signatureProblem })} (đã chờ ${waitInWords(now.getTime() - i.signatureWaitingSince)})`
      : i.urgent ? (i.apologyStatus === 'draft' ? 'QUÁ HẠN, thư xin lỗi chờ duyệt' : 'QUÁ HẠN, chưa xin lỗi') : 'sắp đến hạn';
    return `- ${i.dossier.code} — ${i.dossier.applicantName} — hạn ${shortInstant(new Date(i.dossier.currentDueAt as number))} — ${state}`;
  });
  const text = [
    `Kính gửi ${agency.name},`,
    '',
    `Các hồ sơ dưới đây sắp đến hạn hoặc đã quá hạn giải quyết. Nếu hồ sơ không kịp trả kết quả, đề nghị lập văn bản xin lỗi và hẹn lại chậm nhất 01 ngày làm việc trước ngày hẹn.`,
    '',
    ...lines,
    '',
    'Thư này do hệ thống Hẹn Lại gửi tự động mỗi ngày một lần.',
  ].join('\n');
  return { subject, text };
}

function signatureReminderMessage(agency: Agency, w: WaitingSignature, waitedMs: number): Record<string, unknown> {
  const due = shortInstant(new Date(w.dueAt));
  const subject = `[Hẹn Lại] Nhắc ký số: thư xin lỗi hồ sơ ${w.dossierCode} đã chờ ${waitInWords(waitedMs)} — ${agency.name}`;
  const text = [
    `Kính gửi ${agency.name},`,
    '',
    `Thư xin lỗi và hẹn lại của hồ sơ ${w.dossierCode} đã được phê duyệt (${w.approvedBy}, ${shortInstant(new Date(w.approvedAt))}) nhưng chưa có chữ ký số của lãnh đạo: đã chờ ${waitInWords(waitedMs)}, hạn giải quyết hồ sơ ${due}.`,
    'Người dân chưa nhận được ngày hẹn mới cho đến khi thư được ký. Đề nghị lãnh đạo xác nhận ký trên ứng dụng ký số từ xa hoặc hệ thống quản lý văn bản.',
    '',
    'Thư này do hệ thống Hẹn Lại gửi tự động, một lần cho mỗi lần phê duyệt.',
  ].join('\n');
  return { subject, text };
}

function agencySignatureReminderMessage(agency: Agency, w: WaitingSignature, waitedMs: number): Record<string, unknown> {
  const due = shortInstant(new Date(w.dueAt));
  // A request waiting on the holder's phone is no fault: only a fault sends staff to the certificate.
  const fault = agencyFault(w);
  const subject = fault
    ? `[Hẹn Lại] Nhắc ký số: thư xin lỗi hồ sơ ${w.dossierCode} chưa ban hành được: chữ ký số của cơ quan lỗi, đã chờ ${waitInWords(waitedMs)} — ${agency.name}`
    : `[Hẹn Lại] Nhắc ký số: thư xin lỗi hồ sơ ${w.dossierCode} chờ chữ ký số của cơ quan, đã chờ ${waitInWords(waitedMs)} — ${agency.name}`;
  const text = [
    `Kính gửi ${agency.name},`,
    '',
    fault
      ? `Thư xin lỗi và hẹn lại của hồ sơ ${w.dossierCode} đã có chữ ký số của lãnh đạo (${w.approvedBy}) nhưng chưa ban hành được vì không ký số được bằng chứng thư số của cơ quan: đã chờ ${waitInWords(waitedMs)}, hạn giải quyết hồ sơ ${due}.`
      : `Thư xin lỗi và hẹn lại của hồ sơ ${w.dossierCode} đã có chữ ký số của lãnh đạo (${w.approvedBy}) và chờ người giữ chứng thư số của cơ quan xác nhận ký trên ứng dụng ký số từ xa: đã chờ ${waitInWords(waitedMs)}, hạn giải quyết hồ sơ ${due}.`,
    ...(fault ? [`Lỗi gần nhất: ${fault}.`] : []),
    fault
      ? 'Người dân chưa nhận được ngày hẹn mới cho đến khi thư được ban hành. Đề nghị quản trị viên kiểm tra chứng thư số của cơ quan (còn hạn, đúng mật khẩu) trong mục Quản trị › Ký số; hệ thống tự thử ban hành lại.'
      : 'Người dân chưa nhận được ngày hẹn mới cho đến khi thư được ban hành. Đề nghị người giữ chứng thư số của cơ quan xác nhận yêu cầu ký; thư được ban hành ngay sau đó.',
    '',
    'Thư này do hệ thống Hẹn Lại gửi tự động, một lần cho mỗi lần chờ.',
  ].join('\n');
  return { subject, text };
}
