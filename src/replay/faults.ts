/**
 * The replay's providers: the four fakes started in the replay's own process, the settings that
 * point the children (servers, dispatchers) at them, and the fault schedule of the parameters —
 * steady latency and error rates, and outages by virtual day — applied as time runs.
 *
 * How each provider fails, as the real one does:
 * - error: Zalo answers HTTP 200 `{error: -100, message: "Unknown error"}` (zalo.md: retry);
 *   the SMTP relay answers 451 to the message; eSMS an HTTP 503 without a CodeResult (its code
 *   table has no transient code: each names a lasting cause); SmartCA HTTP 503
 *   `SERVER_INTERNAL_ERROR`. Nothing is sent.
 * - down: the port is closed (connection refused) and open connections are cut.
 * - latency: Zalo and SmartCA wait before they process (a client that gives up sent nothing:
 *   'timeout'); the SMTP relay and eSMS take the message, then hold the answer (a client that gives
 *   up has delivered without knowing: 'accepted' with answerLost — its retry is the duplicate
 *   the audit must tie to an interrupted attempt; eSMS drops a repeated RequestId, SMTP does not).
 */
import { randomBytes } from 'node:crypto';
import type { DbProxy } from './db-outage';
import { startEsmsFake, type EsmsFake } from './fakes/esms';
import { FaultState, type FakeDelivery, type FakeProvider } from './fakes/fault';
import { SmartCaFake, type SmartCaFakeOptions, type SmartCaFakeUser } from './fakes/smartca';
import { startFakeSmtp, type FakeSmtp } from './fakes/smtp';
import { startZaloFake, type ZaloFake } from './fakes/zalo';
import type { FaultParams } from './params';

export type { FakeDelivery, FakeProvider, FaultSetting } from './fakes/fault';
export type { FaultParams } from './params';

/**
 * One provider's faults: steady latency and error rate, and outages by virtual day — from
 * `atDay` (0 = the first simulated day at 00:00 Vietnam time) for `forHours` virtual hours.
 * (`kills` are real seconds between SIGKILLs per role; `database.outages` real seconds from the
 * start of the run, PostgreSQL only.)
 */
export type ProviderFaults = FaultParams['providers'][FakeProvider];

const QUIET: ProviderFaults = { latencyMs: 0, errorRate: 0, outages: [] };

export const NO_FAULTS: FaultParams = {
  providers: { zalo: QUIET, email: QUIET, sms: QUIET, signing: QUIET },
  kills: {},
  database: { outages: [] },
};

export interface StartFakesOptions {
  /** The first virtual day's midnight (epoch ms), from which `atDay` counts. */
  virtualStart: number;
  /** Decides which requests get an error; the replay passes its seeded generator. */
  random?: () => number;
  /** Where Zalo posts delivery receipts (a server's /webhooks/zalo); none: no receipts. */
  zaloWebhookUrl?: string;
  /** Leaders who sign remotely: SmartCA is started only when there are some. */
  signingUsers?: SmartCaFakeUser[];
  /**
   * The replay's virtual clock: SmartCA's (a request expires after the provider's few minutes of
   * simulated time) and Zalo's delivery times in its receipts. Default: real time.
   */
  clock?: () => Date;
  /** The signers' phones: what each signer answers, and when on `clock`. */
  phone?: SmartCaFakeOptions['phone'];
  /** The proxy the children reach PostgreSQL through: `database.outages` are applied to it. */
  database?: DbProxy;
}

export interface Fakes {
  zalo: ZaloFake;
  smtp: FakeSmtp;
  sms: EsmsFake;
  signing: SmartCaFake | null;
}

export interface RunningFakes {
  /** The settings that point a child process at the fakes. */
  env: Record<string, string>;
  fakes: Fakes;
  /** Every request each fake received, in arrival order per provider. */
  deliveries(): FakeDelivery[];
  /** Puts each provider in the state the schedule gives for this virtual moment, and the database for this real one (outage or not). */
  applySchedule(virtualMs: number, realElapsedMs: number): Promise<void>;
  stop(): Promise<void>;
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** Whether the provider is in one of its scheduled outages at this virtual moment. */
export function inOutage(faults: ProviderFaults, virtualStart: number, virtualMs: number): boolean {
  return faults.outages.some((o) => {
    const from = virtualStart + o.atDay * DAY_MS;
    return virtualMs >= from && virtualMs < from + o.forHours * HOUR_MS;
  });
}

/** The database outages (real time) that cover this moment of the run. */
export function databaseDownAt(faults: FaultParams, realElapsedMs: number): boolean {
  return faults.database.outages.some((o) => realElapsedMs >= o.atSecond * 1000 && realElapsedMs < (o.atSecond + o.forSeconds) * 1000);
}

export async function startFakes(faults: FaultParams, options: StartFakesOptions): Promise<RunningFakes> {
  const random = options.random ?? Math.random;
  const states: Record<FakeProvider, FaultState> = {
    zalo: new FaultState('zalo', random),
    email: new FaultState('email', random),
    sms: new FaultState('sms', random),
    signing: new FaultState('signing', random),
  };
  const zalo = await startZaloFake({
    faults: states.zalo,
    // A province-year: the quota and the token's life are not what the replay measures.
    dailyQuota: Number.MAX_SAFE_INTEGER,
    webhookUrl: options.zaloWebhookUrl,
    ...(options.clock ? { receiptClock: () => options.clock!().getTime() } : {}),
    // Children restart and each may refresh: the grant in the database is what they present.
    acceptUnknownRefreshTokens: true,
    retain: false,
  });
  const smtp = await startFakeSmtp({}, { faults: states.email, keepMessages: false });
  const sms = await startEsmsFake({ faults: states.sms, retain: false });
  let signing: SmartCaFake | null = null;
  if (options.signingUsers?.length) {
    signing = new SmartCaFake({ users: options.signingUsers, now: options.clock ?? (() => new Date()), faults: states.signing, phone: options.phone });
    await signing.start();
  }
  for (const p of Object.keys(states) as FakeProvider[]) {
    await states[p].set({ latencyMs: faults.providers[p].latencyMs, errorRate: faults.providers[p].errorRate });
  }

  const env: Record<string, string> = {
    ZALO_MODE: 'live',
    ZALO_API_BASE: zalo.apiBase,
    ZALO_OAUTH_BASE: zalo.oauthBase,
    ZALO_APP_ID: zalo.appId,
    ZALO_APP_SECRET: zalo.appSecret,
    ZALO_OA_SECRET_KEY: zalo.oaSecretKey,
    ZALO_REFRESH_TOKEN: zalo.state.refreshToken,
    ZALO_TEMPLATE_NEW_APPOINTMENT: zalo.templateId,
    SMTP_URL: smtp.url(),
    SMS_GATEWAY: 'esms',
    SMS_API_BASE: sms.apiBase,
    SMS_API_KEY: 'fake-api-key',
    SMS_SECRET_KEY: 'fake-secret-key',
    SMS_BRANDNAME: 'HENLAI',
    SMS_CALLBACK_TOKEN: randomBytes(18).toString('hex'),
  };

  return {
    env,
    fakes: { zalo, smtp, sms, signing },
    deliveries: () => (Object.keys(states) as FakeProvider[]).flatMap((p) => states[p].deliveries()),
    async applySchedule(virtualMs, realElapsedMs) {
      for (const p of Object.keys(states) as FakeProvider[]) {
        const down = inOutage(faults.providers[p], options.virtualStart, virtualMs);
        if (states[p].setting.down !== down) await states[p].set({ down });
      }
      const db = options.database;
      if (db) await (databaseDownAt(faults, realElapsedMs) ? db.cut() : db.restore());
    },
    async stop() {
      await Promise.all([zalo.stop(), smtp.close(), sms.close(), signing?.stop()]);
    },
  };
}
