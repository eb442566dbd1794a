import { rowsOf, type Db } from './connection';

/**
 * The replay's audit questions (issue 18 §4), asked of the rows themselves rather than of any
 * counter the service keeps: if the service miscounted, the audit must not inherit the mistake.
 * Every query is grouped in the database (by Vietnam-local day, or by category) so that a
 * province-year of 700,000 dossiers comes back as a few hundred rows; only the letter register
 * and the notices the fakes must be matched against come back row by row.
 */

/** Vietnam-local day number of an epoch-ms column (the same numbering as domain/time's localDayOf). */
const dayOf = (column: string): string => `((${column} + 25200000) / 86400000)`;

/** Open dossiers, whose clock is running: the states the watcher acts on. */
const OPEN = `('received', 'processing')`;

/**
 * Each late dossier once: the first apology it was issued (null: none), whether that apology came
 * after the deadline it was about, and the deadline that slipped. A dossier is late when it was
 * apologised to, escalated, finished after its deadline, or is still open past it at `endMs`.
 */
const LATE = `
  with first_issue as (
    select dossier_id, min(issued_at) as issued_at from apologies where status = 'issued' group by dossier_id
  ), firsts as (
    select a.dossier_id, a.issued_at, a.late, a.due_before from apologies a
      join first_issue f on f.dossier_id = a.dossier_id and f.issued_at = a.issued_at
     where a.status = 'issued'
  ), escalated as (
    select distinct dossier_id from escalations
  )
  select d.id, d.code, d.channel, d.current_due_at, f.issued_at, f.late, f.due_before,
         case when f.issued_at is not null then (case when f.late then 'after' else 'before' end)
              when x.dossier_id is not null then 'escalated'
              when exists (select 1 from apologies w where w.dossier_id = d.id and w.status in ('draft', 'cancelled') and w.due_before = d.current_due_at)
                then 'leader'
              else 'never' end as category
    from dossiers d
    left join firsts f on f.dossier_id = d.id
    left join escalated x on x.dossier_id = d.id
   where f.dossier_id is not null or x.dossier_id is not null
      or (d.state in ${OPEN} and d.current_due_at < ?)
      or (d.resolved_at is not null and d.current_due_at is not null and d.resolved_at > d.current_due_at)`;

/**
 * 'leader': no letter went out, but one was drafted for the deadline that slipped and waited for
 * a person (a review-mode agency's leader) — still waiting at the end, or cancelled when the late
 * result was recorded first. The service did its part; the staff model's delays decide these.
 */
export type LateCategory = 'before' | 'after' | 'escalated' | 'leader' | 'never';

export interface DayCount {
  day: number;
  /** How the dossier came in: online, counter, post. */
  channel: string;
  n: number;
}

export interface LateByDay {
  /** The day the first deadline slipped (or, apologised before it, would have). */
  slipDay: number;
  /** The day of the first issued apology; null without one. */
  apologyDay: number | null;
  category: LateCategory;
  channel: string;
  n: number;
}

export interface NoticeTally {
  channel: string;
  audience: string;
  status: string;
  n: number;
  smsSegments: number;
}

export interface RegisterRow {
  agencyCode: string;
  year: number;
  lastSeq: number;
  /** Numbers issued letters carry, and numbers reserved by letters still waiting for the agency's signature. */
  used: number[];
  reserved: number[];
  /** Numbers cancelled letters keep as void (their dossier closed after a later number was taken; docs/signing.md). */
  voided: number[];
}

export interface SentNotice {
  id: number;
  channel: string;
  apologyId: number | null;
  status: string;
}

export interface IssuedApology {
  id: number;
  draftedAt: number;
  issuedAt: number;
  dueBefore: number;
  late: boolean;
  /** When a citizen notice of this apology first reached a provider or the citizen (null: none yet). */
  reachedAt: number | null;
  /** Issued with its signatures (letter_signing 'signed'); otherwise issued unsigned. */
  signed: boolean;
}

export interface RemoteSigningRows {
  signedRemotely: number;
  waiting: number;
  /** Letters refused or expired at least once, by where they ended. */
  handedBack: { issued: number; draft: number; cancelled: number };
  /**
   * Letters whose new date came while they waited for a signature: handed back for a new date
   * (and how many of them were issued in the end), and issuances refused for that reason that
   * were recorded as a passing fault to retry (none should be).
   */
  datePassed: { handedBack: number; issued: number; retried: number };
  /** The signing events by layer and outcome (requested, confirmed, refused, expired, unavailable…). */
  events: { layer: string; outcome: string; n: number }[];
}

export interface Sample {
  count: number;
  /** A few dossier codes or notice ids, to start looking from (never personal data). */
  examples: string[];
}

const SAMPLE = 10;

const num = (v: unknown): number => Number(v ?? 0);

export class ReplayAuditRepository {
  constructor(private readonly db: Db) {}

  async receivedByDay(): Promise<DayCount[]> {
    const rows = rowsOf(await this.db.raw(`select ${dayOf('accepted_at')} as day, channel, count(*) as n from dossiers group by 1, 2`));
    return rows.map((r) => ({ day: num(r.day), channel: String(r.channel), n: num(r.n) }));
  }

  async lateByDay(endMs: number): Promise<LateByDay[]> {
    const rows = rowsOf(
      await this.db.raw(
        `select ${dayOf('coalesce(l.due_before, l.current_due_at)')} as slip_day, ${dayOf('l.issued_at')} as apology_day, l.category, l.channel, count(*) as n
           from (${LATE}) l group by 1, 2, 3, 4`,
        [endMs],
      ),
    );
    return rows.map((r) => ({ slipDay: num(r.slip_day), apologyDay: r.apology_day === null ? null : num(r.apology_day), category: r.category as LateCategory, channel: String(r.channel), n: num(r.n) }));
  }

  /** Late dossiers never apologised nor escalated. */
  async neverApologised(endMs: number): Promise<Sample> {
    return this.sample(`select l.code as example from (${LATE}) l where l.category = 'never' order by l.id`, [endMs]);
  }

  /** Late dossiers whose letter was drafted but waited for a leader until the end or until the dossier closed. */
  async leftToLeader(endMs: number): Promise<Sample> {
    return this.sample(`select l.code as example from (${LATE}) l where l.category = 'leader' order by l.id`, [endMs]);
  }

  /**
   * Dossiers apologised to once that slipped again and, at `endMs`, are still open past the new
   * deadline with neither another issued apology nor an escalation for it.
   */
  async unhandledSecondSlips(endMs: number): Promise<Sample> {
    return this.sample(
      `select d.code as example from dossiers d
        where d.state in ${OPEN} and d.current_due_at < ?
          and exists (select 1 from apologies a where a.dossier_id = d.id and a.status = 'issued')
          and not exists (select 1 from escalations e where e.dossier_id = d.id and e.deadline_version = d.deadline_version)
        order by d.id`,
      [endMs],
    );
  }

  async escalations(): Promise<number> {
    return num(rowsOf(await this.db.raw(`select count(*) as n from escalations`))[0]?.n);
  }

  /** Dossiers issued more than one apology (over different deadlines: a second slip apologised again). */
  async apologisedTwice(): Promise<number> {
    const sql = `select count(*) as n from (select dossier_id from apologies where status = 'issued' group by dossier_id having count(*) > 1) t`;
    return num(rowsOf(await this.db.raw(sql))[0]?.n);
  }

  /** Two or more issued apologies for the same deadline of the same dossier: the promise "never twice" broken. */
  async duplicateApologies(): Promise<Sample> {
    return this.sample(
      `select d.code || ' (hạn lần ' || a.deadline_version || ': ' || count(*) || ' thư)' as example
         from apologies a join dossiers d on d.id = a.dossier_id
        where a.status = 'issued' group by d.code, a.dossier_id, a.deadline_version having count(*) > 1
        order by a.dossier_id`,
      [],
    );
  }

  /** Each agency's register of outgoing letters per year: the last number taken and the numbers in use. */
  async letterRegisters(): Promise<RegisterRow[]> {
    const registers = await this.db('letter_sequences as s').join('agencies as g', 'g.id', 's.agency_id').select('s.agency_id', 'g.code', 's.year', 's.last_seq');
    const numbered = await this.db('apologies').whereNotNull('letter_seq').select('status', 'issuing_agency_id as agency_id', 'letter_year as year', 'letter_seq as seq');
    const reserved = await this.db('letter_signing as ls')
      .join('apologies as a', 'a.id', 'ls.apology_id')
      .where('a.status', 'draft')
      .whereNotNull('ls.reserved_seq')
      .select('a.issuing_agency_id as agency_id', 'ls.reserved_year as year', 'ls.reserved_seq as seq');
    const key = (r: Record<string, unknown>): string => `${num(r.agency_id)}/${num(r.year)}`;
    const byKey = new Map<string, RegisterRow>();
    const registerOf = (r: Record<string, unknown>): RegisterRow => {
      let row = byKey.get(key(r));
      if (!row) byKey.set(key(r), (row = { agencyCode: String(r.code ?? `#${num(r.agency_id)}`), year: num(r.year), lastSeq: num(r.last_seq), used: [], reserved: [], voided: [] }));
      return row;
    };
    for (const r of registers as Record<string, unknown>[]) registerOf(r);
    for (const r of numbered as Record<string, unknown>[]) registerOf(r)[r.status === 'issued' ? 'used' : 'voided'].push(num(r.seq));
    for (const r of reserved as Record<string, unknown>[]) registerOf(r).reserved.push(num(r.seq));
    return [...byKey.values()].sort((a, b) => a.agencyCode.localeCompare(b.agencyCode) || a.year - b.year);
  }

  async noticeTally(): Promise<NoticeTally[]> {
    const rows = await this.db('notices')
      .select('channel', 'audience', 'status')
      .count({ n: '*' })
      .sum({ segments: 'sms_segments' })
      .groupBy('channel', 'audience', 'status');
    return (rows as Record<string, unknown>[]).map((r) => ({ channel: String(r.channel), audience: String(r.audience), status: String(r.status), n: num(r.n), smsSegments: num(r.segments) }));
  }

  /** Notices a worker claimed and nobody finished: after the drain, no worker holds them. */
  async stuckSending(): Promise<Sample> {
    return this.sample(`select cast(id as varchar(20)) as example from notices where status = 'sending' order by id`, []);
  }

  /** A citizen's notice that failed for good with no next channel queued after it: the citizen is told nothing. */
  async failedWithoutFallback(): Promise<Sample> {
    return this.sample(
      `select cast(n.id as varchar(20)) as example from notices n
        where n.audience = 'citizen' and n.status = 'permanent-failure'
          and n.id not in (select fallback_of from notices where fallback_of is not null)
        order by n.id`,
      [],
    );
  }

  /** Issued apologies without a single notice to their citizen (not even on the counter's list). */
  async issuedWithoutNotice(): Promise<Sample> {
    return this.sample(
      `select d.code as example from apologies a join dossiers d on d.id = a.dossier_id
        where a.status = 'issued' and a.id not in (select apology_id from notices where audience = 'citizen' and apology_id is not null)
        order by a.id`,
      [],
    );
  }

  /** Citizens on the counter's list (to phone, or hand the printed letter), by the day they were put on it. */
  async callListByDay(): Promise<{ day: number; added: number; open: number }[]> {
    const rows = rowsOf(
      await this.db.raw(
        `select ${dayOf('created_at')} as day, count(*) as added, sum(case when status = 'created' then 1 else 0 end) as still_open
           from notices where channel = 'print' and audience = 'citizen' group by ${dayOf('created_at')}`,
      ),
    );
    return rows.map((r) => ({ day: num(r.day), added: num(r.added), open: num(r.still_open) }));
  }

  /** Notices handed to a provider (the channels the fakes stand for). */
  async sentNotices(): Promise<SentNotice[]> {
    const rows = await this.db('notices')
      .whereIn('channel', ['zalo', 'email', 'sms'])
      .where((w) => w.whereIn('status', ['sent', 'delivered']).orWhereNotNull('sent_at'))
      .select('id', 'channel', 'apology_id', 'status');
    return (rows as Record<string, unknown>[]).map((r) => ({ id: num(r.id), channel: String(r.channel), apologyId: r.apology_id === null ? null : num(r.apology_id), status: String(r.status) }));
  }

  /** Of these notices, those with a try cut short: a worker killed mid-send, or a provider that did not answer in time. */
  async interruptedNotices(ids: number[]): Promise<Set<number>> {
    const found = new Set<number>();
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await this.db('notice_attempts')
        .whereIn('notice_id', ids.slice(i, i + 500))
        .where((w) => w.where('interrupted', true).orWhere('error_class', 'like', '%timeout%'))
        .distinct('notice_id');
      for (const r of rows as Record<string, unknown>[]) found.add(num(r.notice_id));
    }
    return found;
  }

  async issuedApologies(): Promise<IssuedApology[]> {
    const rows = await this.db('apologies as a')
      .leftJoin('letter_signing as ls', 'ls.apology_id', 'a.id')
      .where('a.status', 'issued')
      .select(
        'a.id', 'a.drafted_at', 'a.issued_at', 'a.due_before', 'a.late', 'ls.state as signing_state',
        this.db.raw(`(select min(coalesce(n.sent_at, n.delivered_at, n.called_at)) from notices n where n.apology_id = a.id and n.audience = 'citizen') as reached_at`),
      );
    return (rows as Record<string, unknown>[]).map((r) => ({
      id: num(r.id),
      draftedAt: num(r.drafted_at),
      issuedAt: num(r.issued_at),
      dueBefore: num(r.due_before),
      late: Boolean(r.late),
      reachedAt: r.reached_at === null || r.reached_at === undefined ? null : num(r.reached_at),
      signed: r.signing_state === 'signed',
    }));
  }

  /**
   * Remote signatures as the rows record them: issued letters the leader (or the agency in the
   * leader's place) signed remotely; letters still waiting for a signature at the end; and the
   * letters a signer refused or let expire at least once — issued in the end (approved again and
   * signed), handed back and still drafts, or cancelled (their dossier closed first).
   */
  async remoteSigning(): Promise<RemoteSigningRows> {
    const count = async (sql: string): Promise<number> => num(rowsOf(await this.db.raw(sql))[0]?.n);
    const handedBack = `select distinct apology_id from signing_events where outcome in ('refused', 'expired')`;
    const byStatus = rowsOf(await this.db.raw(`select a.status, count(*) as n from apologies a where a.id in (${handedBack}) group by a.status`));
    const of = (status: string): number => num(byStatus.find((r) => r.status === status)?.n);
    const datePassed = `select distinct apology_id from signing_events where outcome = 'date-passed'`;
    const outcomes = rowsOf(await this.db.raw(`select layer, outcome, count(*) as n from signing_events group by layer, outcome`));
    return {
      signedRemotely: await count(`select count(*) as n from apologies a join letter_signing ls on ls.apology_id = a.id where a.status = 'issued' and ls.leader_signer = 'remote'`),
      waiting: await count(`select count(*) as n from apologies a join letter_signing ls on ls.apology_id = a.id where a.status = 'draft' and ls.state in ('leader-waiting', 'leader-signed', 'agency-waiting')`),
      handedBack: { issued: of('issued'), draft: of('draft'), cancelled: of('cancelled') },
      datePassed: {
        handedBack: await count(`select count(*) as n from (${datePassed}) t`),
        issued: await count(`select count(*) as n from apologies a where a.status = 'issued' and a.id in (${datePassed})`),
        // The refusal's own words (domain/apology.ts, newDayRefusal): a retried fault records them.
        retried: await count(`select count(*) as n from signing_events where outcome in ('failed', 'unavailable') and message like 'Ngày hẹn mới phải sau ngày hôm nay%'`),
      },
      events: outcomes.map((r) => ({ layer: String(r.layer), outcome: String(r.outcome), n: num(r.n) })),
    };
  }

  private async sample(sql: string, bindings: number[]): Promise<Sample> {
    const count = num(rowsOf(await this.db.raw(`select count(*) as n from (${sql}) t`, bindings))[0]?.n);
    const examples = count ? rowsOf(await this.db.raw(`select example from (${sql}) t limit ${SAMPLE}`, bindings)).map((r) => String(r.example)) : [];
    return { count, examples };
  }
}
