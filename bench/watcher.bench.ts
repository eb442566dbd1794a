/**
 * The deadline watcher at scale: one tick over 1,000,000 open dossiers of which 1,000 just
 * slipped, in `auto` mode, through to 1,000 issued apologies with their PDFs and notices.
 *
 *  1. Setup (not measured): a fresh database, the registry bench's 3 agencies (auto mode, a signer
 *     and a contact e-mail each) and 4 procedures (with a default delay reason), and 1,000,000
 *     dossiers bulk-loaded with clock and due columns computed by computeDue with the agencies'
 *     calendars. Exactly 1,000 of them (spread evenly over the ids) are due at the end of the
 *     previous working day — the latest due instant before `now` — with a phone, an e-mail and
 *     consent to Zalo and e-mail; every other one is due today or later (a few percent paused or
 *     already re-appointed), so nothing else slips. The PDF renderer is warmed with two letters
 *     (one per page of its pool), as a running server would have it.
 *  2. One DeadlineWatcher.tick() is timed end to end: the at-risk digests, 1,000 apologies drafted
 *     and issued (one transaction each), and their 1,000 PDFs. The split between the three phases
 *     is measured by timing the watcher's own methods as tick() calls them.
 *  3. Checks: 1,000 issued letters, letter numbers 1…n without gaps per agency, every one with a
 *     PDF and its citizen notice(s) queued on electronic channels (as many per letter as the
 *     channel rules give: reported by channel), nothing refused, no open dossier overdue; then
 *     a second tick must create nothing — its duration is the steady-state cost of the tick that
 *     runs every minute over 1,000,000 dossiers (median of a few more reported beside it).
 *
 * Runs on SQLite (a file in a temp dir) and, when BENCH_PG_URL is set, also on that PostgreSQL
 * database, reported beside it with a `pg_` prefix. BENCH_PG_URL's database is WIPED (every
 * migration rolled back) before and after.
 *
 *   node --import tsx bench/watcher.bench.ts                                  # 1,000,000 rows, 1,000 slipped
 *   BENCH_ROWS=50000 BENCH_SLIPPED=200 node --import tsx bench/watcher.bench.ts   # a quick try
 */
import type { Agency } from '../src/db/agencies';
import { createDemoCa } from '../src/signing';
import type { WorkingCalendar } from '../src/domain/calendar';
import { computeDue } from '../src/domain/deadline';
import { dayStartMs, localDayOf, MINUTE_MS, DAY_MS, type DayNumber } from '../src/domain/time';
import { createPdfRenderer } from '../src/documents/pdf';
import type { LetterData } from '../src/documents/types';
import type { TickReport } from '../src/watch/watcher';
import { treeCpuMs } from './support/cpu';
import {
  analyze,
  DOSSIER_COLUMNS,
  FOLDED,
  insertDossiers,
  insertOpenPauses,
  log,
  median,
  NAMES,
  NOW,
  openBench,
  round,
  seconds,
  sqlText,
  xorshift,
  type BenchSetup,
  type DbKind,
  type Result,
} from './support/load';

const SIGNED = process.env.BENCH_WATCH_UNSIGNED !== '1';
const STEADY_TICKS = 5;
/** DeadlineWatcher.atRisk's limit in a tick's digests. */
const AT_RISK_LIMIT = 100_000;
const DELAY_REASON = 'Cần lấy ý kiến của cơ quan, đơn vị có liên quan';
const SIGNERS: Record<string, { name: string; title: string }> = {
  TTPVHCC: { name: 'Trần Thị Bích Ngọc', title: 'PHÓ GIÁM ĐỐC' },
  SNNMT: { name: 'Lê Văn Phước', title: 'GIÁM ĐỐC' },
  NINHKIEU: { name: 'Nguyễn Hoàng Nam', title: 'CHỦ TỊCH' },
};

interface LoadReport {
  loadSeconds: number;
  slipped: number;
  paused: number;
  reappointed: number;
  /** Open dossiers due no later than their agency's "due soon" limit (the slipped ones included): the tick's at-risk list. */
  atRisk: number;
  /** Due dates of the dossiers not slipped, relative to now, in days. */
  dueMinDays: number;
  dueMaxDays: number;
  /** The slipped dossiers' due instant, minutes before now. */
  slippedMinutesBefore: number;
}

interface ProcedurePlan {
  id: number;
  days: number;
  deciding: number;
  cal: WorkingCalendar;
  /** The acceptance day whose due date is the end of the previous working day. */
  slipDay: DayNumber;
  /** Working days after slipDay up to today: every acceptance day whose due date is today or later. */
  openDays: DayNumber[];
}

function previousWorkingDay(cal: WorkingCalendar, day: DayNumber): DayNumber {
  let d = day - 1;
  while (!cal.isWorkingDay(d)) d--;
  return d;
}

/** Exactly `slipped` of 1…rows, spread evenly: the seq where ⌊seq·slipped/rows⌋ steps up. */
function isSlipped(seq: number, rows: number, slipped: number): boolean {
  return Math.floor((seq * slipped) / rows) > Math.floor(((seq - 1) * slipped) / rows);
}

async function load(setup: BenchSetup, rows: number, slipped: number): Promise<LoadReport> {
  const { db, s, agencies, procedures, label } = setup;
  const rnd = xorshift(0x3a7c4e55);
  const nowMs = NOW.getTime();
  const today = localDayOf(NOW);
  const receiving = agencies.find((a) => a.code === 'TTPVHCC') as Agency;
  const until = await s.calendars.dueSoonUntil(agencies, NOW);
  const hash = 'c'.repeat(64);
  const plans: ProcedurePlan[] = [];
  for (const p of procedures) {
    const agency = agencies.find((a) => a.id === p.agencyId) as Agency;
    const cal = await s.calendars.forAgency(agency);
    if (!cal.isWorkingDay(today)) throw new Error('NOW must be a working day');
    const lastDue = previousWorkingDay(cal, today);
    let slipDay = lastDue;
    while (!(cal.isWorkingDay(slipDay) && cal.addWorkingDays(slipDay, p.timeAmount) <= lastDue)) slipDay--;
    if (cal.addWorkingDays(slipDay, p.timeAmount) !== lastDue) throw new Error(`no acceptance day is due on day ${lastDue}`);
    const openDays: DayNumber[] = [];
    for (let d = slipDay + 1; d <= today; d++) if (cal.isWorkingDay(d)) openDays.push(d);
    plans.push({ id: p.id, days: p.timeAmount, deciding: agency.id, cal, slipDay, openDays });
  }
  const report: LoadReport = { loadSeconds: 0, slipped: 0, paused: 0, reappointed: 0, atRisk: 0, dueMinDays: Infinity, dueMaxDays: -Infinity, slippedMinutesBefore: 0 };
  const pausedIds: number[] = [];
  const t0 = process.hrtime.bigint();
  const row = (seq: number): string => {
    const plan = plans[Math.floor(rnd() * plans.length)];
    const { cal } = plan;
    const slip = isSlipped(seq, rows, slipped);
    const day = slip ? plan.slipDay : plan.openDays[Math.floor(rnd() * plan.openDays.length)];
    const minute = 450 + Math.floor(rnd() * 570); // 07:30 … 17:00
    let accepted = dayStartMs(day) + minute * MINUTE_MS + Math.floor(rnd() * 60) * 1000;
    if (accepted > nowMs) accepted = nowMs - Math.floor(rnd() * 3600) * 1000; // accepted this morning, before 09:00
    const due = computeDue(cal, new Date(accepted), { unit: 'days', amount: plan.days }).getTime();
    if (slip !== due < nowMs) throw new Error(`dossier ${seq}: due ${new Date(due).toISOString()} is on the wrong side of now`);
    const u = rnd();
    let state = u < 0.48 ? 'received' : 'processing';
    let current: number | null = due;
    let extensions = 0;
    let version = 1;
    if (slip) {
      report.slipped++;
      report.slippedMinutesBefore = (nowMs - due) / MINUTE_MS;
    } else {
      const rel = (due - nowMs) / DAY_MS;
      if (rel < report.dueMinDays) report.dueMinDays = rel;
      if (rel > report.dueMaxDays) report.dueMaxDays = rel;
      if (u > 0.97) {
        state = 'waiting_supplement';
        current = null;
        report.paused++;
        pausedIds.push(seq);
      } else if (u > 0.95) {
        extensions = 1;
        version = 2;
        current = cal.endOfDay(cal.addWorkingDays(localDayOf(new Date(due)), 5)).getTime();
        report.reappointed++;
      }
    }
    if (current !== null && current <= (until.get(plan.deciding) as number)) report.atRisk++;
    const name = Math.floor(rnd() * NAMES.length);
    const phone = `+849${String(10_000_000 + (seq % 89_999_999)).padStart(8, '0')}`;
    const zalo = slip || rnd() < 0.6;
    const hasEmail = slip || rnd() < 0.5;
    const code = `W${String(seq).padStart(8, '0')}`;
    return (
      `('${code}',${plan.id},${receiving.id},${plan.deciding},'person',${sqlText(`${NAMES[name]} ${seq}`)},'${phone}',` +
      `${zalo},${hasEmail},false,'${rnd() < 0.4 ? 'online' : 'counter'}',${accepted},${accepted},'days',${plan.days},${due},` +
      `${current === null ? 'null' : current},${version},${extensions},'${state}',${sqlText(`${code.toLowerCase()} ${FOLDED[name]} ${seq}`)},'${hash}',${nowMs},${nowMs},` +
      `${hasEmail ? `'hoso${seq}@example.vn'` : 'null'})`
    );
  };
  await insertDossiers(db, rows, [...DOSSIER_COLUMNS, 'email'], row, label, t0);
  await insertOpenPauses(db, pausedIds, nowMs - DAY_MS);
  await analyze(db);
  report.loadSeconds = seconds(t0);
  return report;
}

function sampleLetter(i: number): LetterData {
  return {
    form: 'tt03-2025',
    issuer: { parentName: 'UBND THÀNH PHỐ CẦN THƠ', name: 'Trung tâm Phục vụ hành chính công thành phố Cần Thơ', letterNumber: `0${i + 1}/PXL-TTPVHCC` },
    placeDateLine: 'Cần Thơ, ngày 10 tháng 3 năm 2026',
    addressee: { salutation: 'Ông/Bà', name: 'Nguyễn Văn An', address: '2 Hòa Bình, phường Ninh Kiều', phone: '0912 345 678', onBehalfOf: null },
    dossier: {
      code: `WARM-${i}`,
      procedureName: 'Cấp Phiếu lý lịch tư pháp',
      acceptedAt: '09 giờ 30 phút, ngày 12 tháng 02 năm 2026',
      originalDue: 'ngày 09 tháng 3 năm 2026',
    },
    delay: { responsibleUnit: 'Sở Tư pháp', reason: DELAY_REASON, newDue: 'ngày 17 tháng 3 năm 2026', returnPlace: 'Bộ phận Một cửa' },
    signature: { onBehalf: 'KT. GIÁM ĐỐC', title: 'PHÓ GIÁM ĐỐC', name: 'Trần Thị Bích Ngọc' },
    recipients: ['UBND THÀNH PHỐ CẦN THƠ (để báo cáo)'],
    archive: 'TTPVHCC',
  };
}

type Phase = 'digests' | 'slipped' | 'signatureReminders' | 'renderMissingPdfs';

/**
 * Times the watcher's phases as tick() calls them, by wrapping the instance's own methods (tick
 * calls them through `this`); nothing else changes. Returns the seconds of the last call of each.
 */
function timePhases(watcher: object): Record<Phase, number> {
  const times: Record<Phase, number> = { digests: 0, slipped: 0, signatureReminders: 0, renderMissingPdfs: 0 };
  const w = watcher as unknown as Record<Phase, (...args: unknown[]) => Promise<unknown>>;
  for (const phase of Object.keys(times) as Phase[]) {
    const original = w[phase].bind(watcher);
    w[phase] = async (...args: unknown[]) => {
      const t = process.hrtime.bigint();
      try {
        return await original(...args);
      } finally {
        times[phase] = seconds(t);
      }
    };
  }
  return times;
}

/** Progress on stderr while the tick runs: counts issued letters and rendered PDFs. */
function watchProgress(setup: BenchSetup, every: number): { issued: number; pdfs: number } {
  const counts = { issued: 0, pdfs: 0 };
  // Issuing is the workflow's and PDFs the files service's since the apology services were split.
  const workflow = setup.s.apologyWorkflow as unknown as Record<'issueInTx', (...args: unknown[]) => Promise<unknown>>;
  const files = setup.s.apologyFiles as unknown as Record<'ensurePdf', (...args: unknown[]) => Promise<unknown>>;
  const t0 = process.hrtime.bigint();
  const issueInTx = workflow.issueInTx.bind(setup.s.apologyWorkflow);
  workflow.issueInTx = async (...args: unknown[]) => {
    const r = await issueInTx(...args);
    if (++counts.issued % every === 0) log(`[${setup.label}]   ${counts.issued.toLocaleString('en')} apologies issued (${seconds(t0).toFixed(1)} s)`);
    return r;
  };
  const ensurePdf = files.ensurePdf.bind(setup.s.apologyFiles);
  files.ensurePdf = async (...args: unknown[]) => {
    const r = await ensurePdf(...args);
    if (++counts.pdfs % every === 0) log(`[${setup.label}]   ${counts.pdfs.toLocaleString('en')} PDFs rendered (${seconds(t0).toFixed(1)} s)`);
    return r;
  };
  return counts;
}

async function count(q: PromiseLike<unknown>): Promise<number> {
  const row = (await q) as { n?: number | string } | undefined;
  return Number(row?.n ?? 0);
}

async function runOn(kind: DbKind, rows: number, slipped: number, pgUrl?: string): Promise<Result> {
  const pdf = createPdfRenderer();
  const setup = await openBench(kind, pgUrl, {
    pdf,
    agency: (code) => ({
      contactEmail: `vanthu.${code.toLowerCase()}@cantho.gov.vn`,
      address: 'số 2 Hòa Bình, phường Ninh Kiều, thành phố Cần Thơ',
      settings: { apologyMode: 'auto', signerName: SIGNERS[code].name, signerTitle: SIGNERS[code].title },
    }),
    procedure: () => ({ defaultDelayReason: DELAY_REASON }),
  });
  const { s, db, label } = setup;
  try {
    const maxId = Number((await db('dossiers').max({ m: 'id' }).first())?.m ?? 0);
    if (maxId !== 0) throw new Error('the dossiers table should be empty before the load');

    log(`[${label}] loading ${rows.toLocaleString('en')} dossiers, ${slipped.toLocaleString('en')} of them slipped…`);
    const loaded = await load(setup, rows, slipped);
    log(
      `[${label}] loaded in ${loaded.loadSeconds.toFixed(1)} s: ${loaded.slipped} slipped (due ${Math.round(loaded.slippedMinutesBefore)} min before now), ` +
        `${loaded.atRisk.toLocaleString('en')} at risk, others due +${loaded.dueMinDays.toFixed(2)}…+${loaded.dueMaxDays.toFixed(1)} days`,
    );

    // Signing on, as issue 14 asks (BENCH_WATCH_UNSIGNED=1 for the old unsigned figure): each
    // agency's organisational certificate file, so auto mode signs both layers with it.
    let t = process.hrtime.bigint();
    if (SIGNED) {
      const ca = await createDemoCa({ now: NOW });
      await s.signingSettings.trustRoot({ name: 'bench demo CA', certificatePem: ca.certificatePem, demo: true });
      for (const a of setup.agencies) {
        const file = await ca.issueAgency(a.name, { password: 'bench' });
        await s.signingSettings.installCertificate({ kind: 'agency', id: a.id }, { organization: a.name }, file.p12, 'bench', 'bench');
      }
      log(`[${label}] certificate files installed for ${setup.agencies.length} agencies (${seconds(t).toFixed(1)} s)`);
    }

    // A warm renderer: the browser launched and both pages of the pool used once.
    t = process.hrtime.bigint();
    await Promise.all([0, 1].map((i) => pdf.render(s.documents.renderLetter('TTPVHCC', sampleLetter(i)).html)));
    log(`[${label}] PDF renderer warm (${seconds(t).toFixed(1)} s); ticking…`);

    const phases = timePhases(s.watcher);
    watchProgress(setup, Math.max(1, Math.ceil(slipped / 5)));
    t = process.hrtime.bigint();
    const cpu0 = process.cpuUsage();
    const tree0 = treeCpuMs();
    let first: TickReport;
    try {
      first = await s.watcher.tick();
    } catch (err) {
      // The tick itself failed: report how far it got, and the error, instead of figures.
      const tickSeconds = seconds(t);
      const message = String((err as Error)?.message ?? err).split('\n')[0];
      log(`[${label}] TICK FAILED after ${tickSeconds.toFixed(1)} s: ${message}`);
      return {
        rows,
        slipped,
        load_s: round(loaded.loadSeconds, 1),
        tick_s: round(tickSeconds),
        issued: await count(db('apologies').where({ status: 'issued' }).count({ n: '*' }).first()),
        pdfs: await count(db('apology_documents').whereNotNull('pdf').count({ n: '*' }).first()),
        notices: await count(db('notices').where({ kind: 'new_appointment' }).count({ n: '*' }).first()),
        check: `FAILED: ${message}`,
      };
    }
    const tickSeconds = seconds(t);
    const cpu = process.cpuUsage(cpu0);
    const tree1 = treeCpuMs();
    // CPU per apology: this process's (process.cpuUsage), and with Chromium's (from /proc), which
    // the shared machine's load does not inflate as it does wall time.
    const tickCpuMs = (cpu.user + cpu.system) / 1000;
    const tickTreeMs = tree0 === null || tree1 === null ? null : tree1 - tree0;
    const split = { ...phases };
    log(
      `[${label}] tick: ${tickSeconds.toFixed(2)} s — digests ${split.digests.toFixed(2)} s, apologies ${split.slipped.toFixed(2)} s, signature reminders ${split.signatureReminders.toFixed(2)} s, PDFs ${split.renderMissingPdfs.toFixed(2)} s; ` +
        `report ${JSON.stringify(first)}`,
    );

    // The second tick must find nothing to do; its cost is the every-minute steady state.
    t = process.hrtime.bigint();
    const second = await s.watcher.tick();
    const secondMs = seconds(t) * 1000;
    const steadySplit = { ...phases };
    const steady: number[] = [secondMs];
    for (let i = 1; i < STEADY_TICKS; i++) {
      t = process.hrtime.bigint();
      const r = await s.watcher.tick();
      steady.push(seconds(t) * 1000);
      if (r.drafted || r.issued || r.pdfs || r.digests || r.escalated || r.refused) throw new Error(`tick ${i + 2} did something: ${JSON.stringify(r)}`);
    }
    log(
      `[${label}] second tick: ${secondMs.toFixed(0)} ms (digests ${(steadySplit.digests * 1000).toFixed(0)} ms, slipped query ${(steadySplit.slipped * 1000).toFixed(0)} ms, waiting signatures ${(steadySplit.signatureReminders * 1000).toFixed(0)} ms, ` +
        `PDF query ${(steadySplit.renderMissingPdfs * 1000).toFixed(0)} ms); median of ${STEADY_TICKS}: ${median(steady).toFixed(0)} ms; report ${JSON.stringify(second)}`,
    );

    // What the tick left behind.
    const problems: string[] = [];
    const expect = (what: string, got: unknown, want: unknown) => {
      if (got !== want) problems.push(`${what}: ${String(got)} ≠ ${String(want)}`);
    };
    const issued = await count(db('apologies').where({ status: 'issued', origin: 'watcher' }).count({ n: '*' }).first());
    const allApologies = await count(db('apologies').count({ n: '*' }).first());
    const withPdf = await count(db('apologies').join('apology_documents', 'apology_documents.apology_id', 'apologies.id').where({ status: 'issued' }).whereNotNull('apology_documents.pdf').count({ n: '*' }).first());
    const letters = (await db('apologies').select('issuing_agency_id', 'letter_year', 'letter_seq', 'letter_number').where({ status: 'issued' })) as {
      issuing_agency_id: number;
      letter_year: number;
      letter_seq: number;
      letter_number: string;
    }[];
    // The citizens' notices: however many per letter the channel rules give (every slipped dossier
    // has a phone, an e-mail and consent to Zalo and e-mail), all queued, none left for the counter to print.
    const byChannel = new Map(
      ((await db('notices').select('channel').count({ n: '*' }).where({ kind: 'new_appointment' }).groupBy('channel').orderBy('channel')) as { channel: string; n: number | string }[]).map(
        (r) => [r.channel, Number(r.n)],
      ),
    );
    const notices = [...byChannel.values()].reduce((a, b) => a + b, 0);
    const queued = await count(db('notices').where({ kind: 'new_appointment', status: 'created' }).count({ n: '*' }).first());
    const notified = await count(db('notices').where({ kind: 'new_appointment' }).countDistinct({ n: 'apology_id' }).first());
    const digestNotices = await count(db('notices').where({ kind: 'at_risk_digest' }).count({ n: '*' }).first());
    const stillOverdue = await count(db('dossiers').whereIn('state', ['received', 'processing']).where('current_due_at', '<', NOW.getTime()).count({ n: '*' }).first());
    const reappointed = await count(db('dossiers').where({ deadline_version: 2, extensions_count: 1 }).where('updated_at', NOW.getTime()).whereNotNull('current_due_at').count({ n: '*' }).first());
    const events = await count(db('dossier_events').whereIn('kind', ['apology_drafted', 'apology_issued']).count({ n: '*' }).first());
    const firstPdf = (await db('apology_documents').select('pdf').whereNotNull('pdf').orderBy('apology_id').first()) as { pdf: Uint8Array } | undefined;

    expect('tick drafted', first.drafted, slipped);
    expect('tick issued', first.issued, slipped);
    // A signed letter's PDF is made (and signed) at issuance; the tick renders only unsigned ones after.
    expect('tick pdfs', first.pdfs, SIGNED ? 0 : slipped);
    expect('tick refused', first.refused, 0);
    expect('tick escalated', first.escalated, 0);
    expect('tick at risk', first.atRisk, Math.min(loaded.atRisk, AT_RISK_LIMIT));
    expect('tick digests', first.digests, setup.agencies.length);
    expect('issued apologies', issued, slipped);
    expect('apologies in all', allApologies, slipped);
    expect('issued with a PDF', withPdf, slipped);
    const signedLetters = await count(db('letter_signing').where({ state: 'signed' }).count({ n: '*' }).first());
    expect('letters signed (both layers)', signedLetters, SIGNED ? slipped : 0);
    expect('first PDF header', firstPdf ? Buffer.from(firstPdf.pdf).subarray(0, 5).toString('latin1') : null, '%PDF-');
    expect('distinct letter numbers', new Set(letters.map((l) => l.letter_number)).size, slipped);
    for (const a of setup.agencies) {
      const seqs = letters.filter((l) => Number(l.issuing_agency_id) === a.id).map((l) => Number(l.letter_seq));
      seqs.sort((x, y) => x - y);
      if (seqs.some((q, i) => q !== i + 1)) problems.push(`${a.code}: letter numbers not 1…${seqs.length} without gaps`);
      if (letters.some((l) => Number(l.letter_year) !== 2026)) problems.push('letter year is not 2026');
    }
    expect('issued letters with a notice queued', notified, slipped);
    expect('notices queued (status created)', queued, notices);
    expect('notices left to print at the counter', byChannel.get('print') ?? 0, 0);
    expect('notices by channel', [...byChannel.keys()].every((c) => c === 'zalo' || c === 'email' || c === 'sms'), true);
    expect('digest notices', digestNotices, setup.agencies.length);
    expect('open dossiers still overdue', stillOverdue, 0);
    expect('dossiers re-appointed by the tick', reappointed - loaded.reappointed, slipped);
    expect('history events', events, 2 * slipped);
    for (const [k, v] of Object.entries(second)) if (k !== 'atRisk') expect(`second tick ${k}`, v, 0);
    expect('apologies after the second tick', await count(db('apologies').count({ n: '*' }).first()), allApologies);
    expect('notices after the second tick', await count(db('notices').count({ n: '*' }).first()), notices + digestNotices);
    if (problems.length) log(`[${label}] CHECK FAILED:\n  ${problems.join('\n  ')}`);

    return {
      rows,
      slipped,
      load_s: round(loaded.loadSeconds, 1),
      at_risk: first.atRisk,
      tick_s: round(tickSeconds),
      tick_digests_s: round(split.digests),
      tick_apologies_s: round(split.slipped),
      tick_pdfs_s: round(split.renderMissingPdfs),
      apologies_per_s: round(first.issued / split.slipped, 1),
      tick_cpu_ms_per_apology: round(tickCpuMs / slipped, 1),
      tick_cpu_with_chromium_ms_per_apology: tickTreeMs === null ? 'n/a' : round(tickTreeMs / slipped, 1),
      pdfs_per_s: round(first.pdfs / split.renderMissingPdfs, 1),
      issued,
      pdfs: withPdf,
      signed: signedLetters,
      notices,
      notices_by_channel: [...byChannel].map(([c, n]) => `${c} ${n}`).join(', '),
      digests: digestNotices,
      refused: first.refused,
      second_tick_ms: Math.round(secondMs),
      second_tick_digests_ms: Math.round(steadySplit.digests * 1000),
      second_tick_slipped_ms: Math.round(steadySplit.slipped * 1000),
      steady_tick_median_ms: Math.round(median(steady)),
      check: problems.length ? `MISMATCH (${problems.length}): ${problems[0]}` : 'ok',
    };
  } finally {
    await pdf.close();
    await setup.close();
  }
}

export async function benchWatcher(options: { rows?: number; slipped?: number } = {}): Promise<Record<string, number | string>> {
  const rows = options.rows ?? (Number(process.env.BENCH_ROWS) || 1_000_000);
  const slipped = options.slipped ?? (Number(process.env.BENCH_SLIPPED) || 1_000);
  if (!(slipped >= 1 && slipped <= rows)) throw new Error(`BENCH_SLIPPED must be between 1 and the number of rows (${rows})`);
  const out: Result = { now: NOW.toISOString(), ...(await runOn('sqlite', rows, slipped)) };
  const pgUrl = process.env.BENCH_PG_URL;
  if (pgUrl) {
    const pg = await runOn('pg', rows, slipped, pgUrl);
    for (const [k, v] of Object.entries(pg)) out[`pg_${k}`] = v;
  }
  return out;
}

if (require.main === module) {
  benchWatcher().then(
    (r) => console.log(r),
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
