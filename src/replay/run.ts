import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { buildServices, type Services } from '../compose';
import { handleZaloWebhook } from '../channels/zalo/webhook';
import { gatewayOf, handleSmsCallback } from '../channels/sms';
import { loadConfig } from '../config';
import { createDb, isPostgres, migrateLatest, type Db } from '../db/connection';
import { autovacuumIsOff } from '../db/autovacuum';
import { SYSTEM_ACTOR } from '../domain/actor';
import { dayToIso, instantAt, isoToDay } from '../domain/time';
import { createLogger, type Logger } from '../logger';
import { ReplayDriver, childrenOutbox, inProcessOutbox, type DriverProgress, type Outbox, type ServicePort } from './driver';
import { loadReplayParams, type ReplayOverrides } from './params';
import { installCatalogue } from './province';
import { installSigning, remoteSignerAccounts, SignerPhones } from './signing';
import { inProcessPort } from './ports';
import { httpPort } from './http-port';
import { VirtualClock, setVirtualNow } from './virtual-clock';
import { startFakes } from './faults';
import { seedOf, streamRng } from './random';
import { Supervisor, type ChildSpec } from './supervisor';
import { startDbProxy, type DbProxy } from './db-outage';
import { auditReplay, brokenPromises, type Audit, type RunFacts } from './audit';
import { REPORT_HTML, REPORT_JSON, writeReport } from './report';
import { interruptionOf } from './interrupt';

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
/** The line a process on the virtual clock prints once it follows it (main.ts, openClock). */
const VIRTUAL_CLOCK_LINE = /HENLAI_CLOCK=virtual/;
/**
 * The line `henlai serve` prints once it listens (main.ts), with the port it listens on; it comes
 * after the virtual clock's line, and like it at warn on a virtual clock, so the servers run at
 * warn (at info every request would be logged, and read here).
 */
export const SERVER_LISTENING = /"port":(?<port>\d+),.*"msg":"Hẹn Lại listening at /;
/** The random stream of the fakes' errors, apart from the province model's (random.ts STREAM). */
const FAULT_STREAM = 101;
/** The random stream of the signers' answers on the phone. */
const PHONE_STREAM = 102;
/** The servers' signature loop: left to the driver (src/config.ts allows no 0; this is its maximum). */
const SERVER_SIGNING_POLL_SECONDS = '3600';
/** Once interrupted, how long the children get to finish what they hold before their SIGKILL. */
const INTERRUPT_GRACE_MS = 2_000;
/** Said to whoever runs the replay when its PostgreSQL runs without autovacuum (docs/operations.md). */
const AUTOVACUUM_OFF_LINE =
  'Cảnh báo: PostgreSQL đang tắt autovacuum (tự dọn dẹp): các dòng cũ sẽ dồn lại, bảng không được phân tích lại và truy vấn chậm dần, ' +
  'nên số đo thời gian của lần chạy này chậm hơn khi bật autovacuum. Bật lại: ALTER SYSTEM SET autovacuum = on; rồi SELECT pg_reload_conf(); (xem docs/operations.md).';

export interface ReplayOptions {
  paramsFile?: string;
  /** Where the report (and the SQLite database) goes. */
  out: string;
  seed?: number;
  days?: number;
  yearlyVolume?: number;
  /** postgres://… to replay on PostgreSQL (its schema is recreated); absent: a SQLite file in `out`. */
  databaseUrl?: string;
  /** Virtual minutes per step (default 15). */
  stepMinutes?: number;
  /** Progress lines (stderr for the command). */
  print?: (line: string) => void;
  /** Laid over the parameters file (tests: a short fault schedule, fewer processes). */
  overrides?: ReplayOverrides;
  /**
   * Aborted to stop the replay before its end (Ctrl-C: src/replay/interrupt.ts): the children are
   * stopped at once and never restarted, the replay unwinds, and runReplay rejects with the
   * signal's reason, a ReplayInterrupted, without auditing or writing a report.
   */
  signal?: AbortSignal;
}

/** The replay would harm what it was pointed at: refused before anything is changed. */
export class ReplayRefused extends Error {}

export interface ReplayOutcome {
  audit: Audit;
  broken: string[];
  htmlFile: string;
  jsonFile: string;
  /** Children that crashed on their own or could not be started again (not a promise, but worth a look). */
  problems: string[];
  progress: DriverProgress;
  /** The faults that really happened (a schedule that never fired tests nothing). */
  faults: {
    kills: number;
    /** Requests the fakes answered with an error (an outage closes the port: those are not logged there). */
    providerErrors: number;
    /** Our send attempts that did not succeed, as recorded (errors, timeouts, a channel down). */
    failedAttempts: number;
    dbOutages: number;
  };
  realMs: number;
}

/**
 * `henlai replay`: a fresh database, the province's catalogue, the fakes and the service's
 * processes; the driver over the virtual period; then the audit from the rows and the fakes'
 * logs, and the report. The caller exits 1 when `broken` is not empty.
 */
export async function runReplay(options: ReplayOptions): Promise<ReplayOutcome> {
  const print = options.print ?? (() => undefined);
  const params = loadReplayParams(options.paramsFile, {
    ...options.overrides,
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.days !== undefined ? { days: options.days } : {}),
    ...(options.yearlyVolume !== undefined ? { yearlyVolume: options.yearlyVolume } : {}),
  });
  fs.mkdirSync(options.out, { recursive: true });
  // An earlier run's report beside this run's database would pass for this run's if it failed or
  // was interrupted: the folder holds this run's report or none.
  for (const f of [REPORT_HTML, REPORT_JSON]) fs.rmSync(path.join(options.out, f), { force: true });
  const interrupted = () => {
    const reason = interruptionOf(options.signal);
    if (reason) throw reason;
  };
  interrupted();
  const start = instantAt(isoToDay(params.start), 0).getTime();
  const end = start + params.days * DAY_MS;
  const startedRealMs = Date.now();
  const logger = createLogger(process.env.LOG_LEVEL ?? 'warn');
  const databaseUrl = options.databaseUrl ?? freshSqlite(options.out);
  const pg = /^postgres(ql)?:/.test(databaseUrl);
  if (pg) await recreateSchema(databaseUrl, logger);

  let clock: VirtualClock | null = null;
  // Which requests the fakes fail is seeded too: the same run fails the same sends.
  const faultRng = streamRng(params.seed, 0, FAULT_STREAM);
  const receipts = await providerReportsServer();
  const receiptPort = receipts.port;
  // The 'remote' agencies' signers: known to SmartCA from the start; their phones answer on the virtual clock.
  const signers = remoteSignerAccounts(params);
  const phones = new SignerPhones(params, seedOf(params.seed, PHONE_STREAM), signers);
  const fakes = await startFakes(params.faults, {
    virtualStart: start,
    random: () => faultRng.float(),
    signingUsers: signers.map(({ userId, name, agencyName }) => ({ userId, name, agencyName })),
    clock: () => clock?.now() ?? new Date(start),
    // Zalo's delivery receipts go to the service's webhook, served by this process (below), as do
    // the SMS gateway's reports (PUBLIC_BASE_URL below: the callback address the senders give).
    zaloWebhookUrl: `http://127.0.0.1:${receiptPort}/webhooks/zalo`,
    phone: (request) => phones.answer(request),
  });
  const proxy: DbProxy | null = pg ? await startDbProxy(databaseUrl) : null;
  const env: Record<string, string> = {
    ...fakes.env,
    NODE_ENV: 'development',
    HENLAI_CLOCK: 'virtual',
    HENLAI_DEMO: '0',
    // Where the SMS gateway's delivery reports go (the callback address is PUBLIC_BASE_URL's):
    // this process's webhooks (providerReportsServer). One public address for the installation,
    // the servers' too, as behind a province's load balancer.
    PUBLIC_BASE_URL: `http://127.0.0.1:${receiptPort}`,
    DATA_DIR: path.join(options.out, 'data'),
    DATABASE_URL: databaseUrl,
    // The driver runs the watcher (as `henlai tick`); the outbox is the dispatchers' job.
    WATCH_INTERVAL_SECONDS: '0',
    // The dispatchers are woken when notices are queued (LISTEN/NOTIFY, SQLite's wake file), and
    // by the driver for those its clock made due (childrenOutbox): their poll is only the safety
    // net, and a frequent one would burn CPU and, on SQLite, take the write lock for nothing.
    DISPATCH_INTERVAL_SECONDS: '1',
    // A killed dispatcher's notices come back within this (real) time.
    DISPATCH_LEASE_SECONDS: '2',
    // A killed server's Idempotency-Key claims expire within this (real) time, so the HTTP port's
    // retry with the same key goes through well within its patience (src/replay/ports.ts).
    IDEMPOTENCY_CLAIM_SECONDS: '5',
    // A letter waiting for a remote signature is due for its next check a (virtual) second later:
    // the driver's poll, each step, finds it due (see pollSignatures below).
    SIGNING_POLL_SECONDS: '1',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  };
  const config = loadConfig({ ...process.env, ...env });
  const db = createDb(config.database, logger);
  let supervisor: Supervisor | null = null;
  let services: Services | null = null;
  let outageTimers: NodeJS.Timeout[] = [];
  // The children are stopped as the signal comes, not once the driver has unwound: else a child
  // that a Ctrl-C to the terminal's process group ended is restarted, and the dispatchers would
  // keep the driver's drain waiting.
  const stopChildren = () => void supervisor?.stop(INTERRUPT_GRACE_MS);
  options.signal?.addEventListener('abort', stopChildren, { once: true });
  try {
    await migrateLatest(db);
    // Such a year slows down as it goes (docs/benchmarks.md): its timings are no installation's.
    // Said once, in the replay's own words: a log line beside it would say it twice.
    const autovacuumOff = await autovacuumIsOff(db);
    if (autovacuumOff) print(AUTOVACUUM_OFF_LINE);
    await setVirtualNow(db, start);
    clock = await VirtualClock.open(db);
    const vclock = clock;
    services = buildServices(config, db, clock, logger);
    await installCatalogue(services.registry, SYSTEM_ACTOR, params);
    const smartca = fakes.fakes.signing;
    const signing = await installSigning(services, params.signing, smartca && { baseUrl: smartca.baseUrl, spId: smartca.spId, spPassword: smartca.spPassword, accounts: signers });
    await phones.load(services);
    receipts.serve(services);
    const processes = params.processes;
    const childEnv = { ...env, ...(proxy ? { DATABASE_URL: proxy.url } : {}) };
    // SQLite has one writer: the use cases run in this process; a dispatcher process is added
    // when the parameters kill one, so that the kill is a real SIGKILL of a real process.
    const outbox: Outbox = pg || params.faults.kills.dispatcher ? childrenOutbox(services, { signal: options.signal }) : inProcessOutbox(services);
    const token = pg ? (await services.tokens.create('replay', null, SYSTEM_ACTOR)).token : '';
    const servers = pg ? Array.from({ length: processes.servers }, (_, i) => `server-${i + 1}`) : [];
    const children: ChildSpec[] = servers.map((name) => ({
      role: 'server',
      name,
      args: ['serve'],
      // PORT=0: each listens on a port the system picks and announces it (SERVER_LISTENING), after
      // each restart afresh; a port picked here, released and listened on later was taken meanwhile
      // by an outgoing connection now and then (EADDRINUSE: the server never started). Its own
      // dispatcher off: the dispatchers are processes of their own. Its signature loop off too, as
      // near as the setting goes (its maximum, a real hour: it asks once as it starts, when nothing
      // waits): the driver polls at each step's now instead (below). Its PUBLIC_BASE_URL is the
      // installation's, as every process's (env): the address its callbacks would name.
      env: { ...childEnv, PORT: '0', DISPATCH_INTERVAL_SECONDS: '0', SIGNING_POLL_SECONDS: SERVER_SIGNING_POLL_SECONDS },
      ready: SERVER_LISTENING,
    }));
    const dispatchers = pg ? processes.dispatchers : params.faults.kills.dispatcher ? 1 : 0;
    for (let i = 0; i < dispatchers; i++) {
      children.push({ role: 'dispatcher', name: `dispatcher-${i + 1}`, args: ['dispatch'], env: childEnv, ready: VIRTUAL_CLOCK_LINE });
    }
    if (children.length) {
      // Not started once interrupted; interrupted while they start, stop() ends those spawned.
      interrupted();
      supervisor = new Supervisor({ kills: pg ? params.faults.kills : { dispatcher: params.faults.kills.dispatcher } });
      await supervisor.start(children);
    }
    interrupted();
    const port: ServicePort = pg
      ? httpPort({
          // The servers up now, at the ports they announced; one being restarted is left out until it listens again.
          baseUrls: () => servers.flatMap((name) => {
            const listening = supervisor?.announced(name)?.port;
            return listening ? [`http://127.0.0.1:${listening}`] : [];
          }),
          token,
          virtualNow: () => vclock.now().getTime(),
          signal: options.signal,
        })
      : inProcessPort(services);
    outageTimers = (proxy ? params.faults.database.outages : []).map((o) =>
      setTimeout(() => void proxy?.outage(o.forSeconds * 1000), Math.max(0, startedRealMs + o.atSecond * 1000 - Date.now())),
    );
    print(`Mô phỏng ${params.days} ngày từ ${params.start} (${pg ? 'PostgreSQL' : 'SQLite'}), hạt giống ${params.seed}, khoảng ${Math.round((params.yearlyVolume * params.days) / 365).toLocaleString('vi-VN')} hồ sơ`);
    let lastPrint = Date.now();
    // Virtual against real time, once a virtual hour: the audit turns latencies into real time with them.
    const clockMarks: { virtualMs: number; realMs: number }[] = [{ virtualMs: start, realMs: Date.now() }];
    const driver = new ReplayDriver({
      services,
      clock: { now: () => vclock.now(), advanceTo: (at) => vclock.advanceTo(at) },
      params,
      port,
      outbox,
      stepMs: (options.stepMinutes ?? 15) * MINUTE_MS,
      staffEveryMs: 60 * MINUTE_MS,
      leaders: signing.leaders,
      // The only signature poller, on SQLite and PostgreSQL alike, at the step's virtual now. A
      // server's loop runs on real time: it acted at a moment of the step the driver does not
      // choose, and its now moved on by virtual hours in the middle of a check (the background
      // read of the shared clock), so that under load it asked for signatures at night and the
      // replay's outcome followed the machine's load (docs/replay.md, "Deterministic by seed").
      pollSignatures: signing.leaders.size > 0,
      afterStep: async (p) => {
        interrupted();
        await fakes.applySchedule(p.virtualNow, Date.now() - startedRealMs);
        if (p.virtualNow - clockMarks[clockMarks.length - 1].virtualMs >= 60 * MINUTE_MS) clockMarks.push({ virtualMs: p.virtualNow, realMs: Date.now() });
        if (Date.now() - lastPrint > 5_000) {
          lastPrint = Date.now();
          print(`  ${dayToIso(Math.floor((p.virtualNow - start) / DAY_MS) + isoToDay(params.start))}: ${p.received.toLocaleString('vi-VN')} hồ sơ, ${p.ticks.issued} thư xin lỗi ban hành, ${((Date.now() - startedRealMs) / 1000).toFixed(0)} giây`);
        }
      },
    });
    const progress = await driver.run(start, end);
    await outbox.drain();
    interrupted();
    outageTimers.forEach(clearTimeout);
    const kills = supervisor ? supervisor.kills() : [];
    if (supervisor) await supervisor.stop();
    const usage = supervisor ? supervisor.usage() : [];
    const problems = supervisor ? [...supervisor.problems(), ...supervisor.crashes().map((c) => `${c.name} exited on its own (${c.signal ?? `code ${c.code}`})`)] : [];
    supervisor = null;
    const run: RunFacts = {
      startedRealMs,
      endedRealMs: Date.now(),
      virtualStart: start,
      virtualEnd: end,
      kills: kills.map((k) => ({ role: k.role, pid: k.pid, realAt: k.realAt })),
      dbOutages: proxy ? proxy.outages().map((o) => ({ realAt: o.startedRealMs, forMs: (o.endedRealMs ?? Date.now()) - o.startedRealMs })) : [],
      processes: [...usage.map((u) => ({ role: u.role, cpuMs: Math.round(u.cpuMs), maxRssMb: Math.round(u.maxRssMb) })), { role: 'replay', ...ownUsage() }],
      clockMarks,
      database: pg ? 'postgresql' : 'sqlite',
      ...(pg ? { autovacuumOff } : {}),
    };
    const deliveries = fakes.deliveries();
    // Receipts stop here: the audit counts those the fake saw taken against the notices the rows
    // record delivered, so none may be in flight (one posted later is refused and counted failed).
    // (Answers in progress are finished first: close() waits for them and drops idle connections.)
    // The SMS reports due (a few ms after each send) are let in first, for the same count.
    await fakes.fakes.sms.reportsSettled();
    await new Promise((resolve) => receipts.server.close(resolve));
    const zalo = fakes.fakes.zalo.state;
    for (const until = Date.now() + 5_000; zalo.webhooksInFlight > 0 && Date.now() < until; ) await new Promise((r) => setTimeout(r, 10));
    const audit = await auditReplay({ db, deliveries, signingRequests: smartca?.tally() ?? null, zaloReceipts: { taken: zalo.webhooksTaken, failed: zalo.webhookFailures }, smsReports: fakes.fakes.sms.reportTally(), params, run });
    const broken = brokenPromises(audit);
    interrupted();
    const { htmlFile, jsonFile } = writeReport(options.out, audit, params);
    const outcomes = await services.notices.attemptsByOutcome();
    const faults = {
      kills: run.kills.length,
      providerErrors: deliveries.filter((d) => d.outcome !== 'accepted').length,
      failedAttempts: Object.entries(outcomes).filter(([o]) => o !== 'sent' && o !== 'delivered').reduce((n, [, c]) => n + c, 0),
      dbOutages: run.dbOutages.length,
    };
    return { audit, broken, problems, htmlFile, jsonFile, progress, faults, realMs: Date.now() - startedRealMs };
  } catch (err) {
    // Whatever the interruption broke on its way (a child stopped while it started, a step cut
    // short), the run ends because it was interrupted.
    throw interruptionOf(options.signal) ?? err;
  } finally {
    options.signal?.removeEventListener('abort', stopChildren);
    outageTimers.forEach(clearTimeout);
    if (supervisor) await supervisor.stop();
    await proxy?.stop();
    await fakes.stop();
    if (receipts.server.listening) await closeServer(receipts.server);
    if (services) {
      for (const channel of services.channels.values()) await channel.close();
      await services.pdf.close();
    }
    await clock?.stop();
    await db.destroy();
  }
}

/** The SMS gateway's reports: GET /webhooks/sms/<token>?… (the token is the installation's secret). */
const SMS_REPORT_PATH = /^\/webhooks\/sms\/([^/?]+)$/;

/**
 * The providers' delivery reports, received in this process by the handlers behind the service's
 * own routes (src/app.ts is their thin wrapper), on the replay's services and virtual clock:
 * Zalo's receipts (POST /webhooks/zalo, signature checked) and the SMS gateway's reports
 * (GET /webhooks/sms/<token>, token checked).
 *
 * It listens before anything else is started, on a port the system picks, and answers 503 until
 * `serve` gives it the services: a port asked of the system, released and listened on later can be
 * taken in between by any outgoing connection (the database pool's, the fakes'), which failed a CI
 * run with EADDRINUSE.
 */
async function providerReportsServer(): Promise<{ server: http.Server; port: number; serve(s: Services): void }> {
  let services: Services | null = null;
  const answered = (s: Services, res: http.ServerResponse, what: string, work: Promise<{ status: number; body: unknown }>) =>
    work
      .then((answer) => res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body)))
      .catch((err: unknown) => {
        s.logger.warn({ err }, `replay: ${what} could not be recorded`);
        res.writeHead(500).end();
      });
  const srv = http.createServer((req, res) => {
    const s = services;
    if (!s) {
      res.writeHead(503).end();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://replay.invalid');
    const sms = req.method === 'GET' ? SMS_REPORT_PATH.exec(url.pathname) : null;
    if (sms) {
      const deps = { db: s.db, gateway: gatewayOf(s.config.sms), callbackToken: s.config.sms.callbackToken, now: s.clock.now(), logger: s.logger };
      void answered(s, res, 'an SMS delivery report', handleSmsCallback(deps, decodeURIComponent(sms[1]), Object.fromEntries(url.searchParams)));
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const signature = req.headers['x-zevent-signature'];
      void answered(s, res, 'a Zalo receipt', handleZaloWebhook({ db: s.db, config: s.config.zalo, now: s.clock.now(), logger: s.logger }, Buffer.concat(chunks), Array.isArray(signature) ? signature[0] : signature));
    });
  });
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    server: srv,
    port: (srv.address() as net.AddressInfo).port,
    serve(s) {
      services = s;
    },
  };
}

async function closeServer(srv: http.Server): Promise<void> {
  srv.closeAllConnections();
  await new Promise((resolve) => srv.close(resolve));
}

/** This process's CPU time and peak memory, as the supervisor reports its children's. */
function ownUsage(): { cpuMs: number; maxRssMb: number } {
  const cpu = process.cpuUsage();
  return { cpuMs: Math.round((cpu.user + cpu.system) / 1000), maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024) };
}

function freshSqlite(out: string): string {
  const file = path.resolve(out, 'replay.sqlite');
  for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
  return `sqlite:${file}`;
}

/**
 * The replay's database starts empty: its schema is dropped and made again — only when it is
 * empty or an earlier replay's (it has the virtual clock's row): a database with real dossiers
 * given by mistake is refused, not wiped.
 */
async function recreateSchema(url: string, logger: Logger): Promise<void> {
  const db: Db = createDb({ client: 'pg', url, poolMax: 1 }, logger);
  try {
    if (!isPostgres(db)) throw new Error('unreachable: a postgres URL');
    const hasDossiers = await db.schema.hasTable('dossiers');
    const replayed = (await db.schema.hasTable('virtual_clock')) && (await db('virtual_clock').first()) !== undefined;
    if (hasDossiers && !replayed && (await db('dossiers').first('id')) !== undefined) {
      throw new ReplayRefused('DATABASE_URL: cơ sở dữ liệu này đã có hồ sơ thật (không phải của một lần mô phỏng trước); henlai replay xoá và tạo lại cơ sở dữ liệu nên chỉ chạy trên cơ sở dữ liệu trống hoặc dành riêng cho mô phỏng');
    }
    await db.raw('drop schema if exists public cascade');
    await db.raw('create schema public');
  } finally {
    await db.destroy();
  }
}
