import net from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { readZaloSettings, zaloEnvShape, type ZaloSettings } from './channels/zalo/settings';
import { emailEnvShape, readEmailSettings, type EmailSettings } from './channels/email/settings';
import { readSmsSettings, smsEnvShape, type SmsSettings } from './channels/sms/settings';
import type { DatabaseSettings } from './db/connection';

/**
 * Every setting the service reads from the environment, validated once at start.
 * The defaults make `npm start` work on a bare machine (SQLite file, mail outbox folder,
 * Zalo simulator); production must name its database and secrets explicitly.
 */
const boolFlag = z
  .enum(['0', '1', 'true', 'false', 'yes', 'no'])
  .transform((v) => v === '1' || v === 'true' || v === 'yes');

/**
 * log2 of scrypt's N for new password hashes (see src/services/users.ts): 2^15 with r=8, p=3 is
 * OWASP's minimum. Lower only so that tests do not spend their time hashing; production refuses it.
 */
export const PRODUCTION_PASSWORD_HASH_COST = 15;

const schema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  DATA_DIR: z.string().default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^(postgres|postgresql|sqlite):/, 'phải bắt đầu bằng postgres://, postgresql:// hoặc sqlite:')
    .optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  HENLAI_DEMO: boolFlag.default(true),
  PUBLIC_BASE_URL: z.string().url().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BODY_LIMIT: z.string().default('100kb'),
  WATCH_INTERVAL_SECONDS: z.coerce.number().int().min(0).max(86400).default(60),
  TEMPLATES_OVERRIDE_DIR: z.string().optional(),
  HENLAI_CHROMIUM_PATH: z.string().optional(),
  ...zaloEnvShape,
  ...emailEnvShape,
  ...smsEnvShape,
  DISPATCH_INTERVAL_SECONDS: z.coerce.number().min(0).max(3600).default(5),
  DISPATCH_CONCURRENCY: z.coerce.number().int().min(1).max(200).default(8),
  DISPATCH_RETRY_HOURS: z.coerce.number().min(0).max(720).default(24),
  DISPATCH_SENDING_TIMEOUT_SECONDS: z.coerce.number().min(1).max(86400).default(300),
  DISPATCH_LEASE_SECONDS: z.coerce.number().min(0.5).max(3600).default(10),
  SESSION_HOURS: z.coerce.number().min(0.1).max(24 * 30).default(10),
  LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).max(100).default(5),
  LOGIN_LOCK_MINUTES: z.coerce.number().min(1).max(24 * 60).default(15),
  LOGIN_MAX_FAILURES_PER_ADDRESS: z.coerce.number().int().min(1).max(10000).default(20),
  PASSWORD_HASH_COST: z.coerce.number().int().min(1).max(20).default(PRODUCTION_PASSWORD_HASH_COST),
  CITIZEN_LINK_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  LOOKUP_RATE_PER_MINUTE: z.coerce.number().int().min(1).max(10000).default(10),
  IDEMPOTENCY_CLAIM_SECONDS: z.coerce.number().min(1).max(3600).default(60),
  TRUST_PROXY: z.string().default('loopback'),
  SIGNING_SECRET_KEY: z.string().min(16, 'ít nhất 16 ký tự (nên là 32 byte ngẫu nhiên, base64)').optional(),
  SIGNING_POLL_SECONDS: z.coerce.number().min(1).max(3600).default(5),
  SEND_WINDOW: z.string().regex(/^\d\d:\d\d-\d\d:\d\d$/, 'dạng "06:00-22:00"').default('06:00-22:00'),
  ONESTOP_TIMEOUT_SECONDS: z.coerce.number().min(1).max(120).default(10),
  ONESTOP_PULL_INTERVAL_SECONDS: z.coerce.number().int().min(0).max(86_400).default(300),
  ONESTOP_PULL_PAGE_SIZE: z.coerce.number().int().min(1).max(500).default(100),
  HENLAI_CLOCK: z.enum(['system', 'virtual']).default('system'),
});

export interface Config {
  env: 'development' | 'test' | 'production';
  port: number;
  host: string;
  dataDir: string;
  database: DatabaseSettings;
  demo: boolean;
  publicBaseUrl: string;
  logLevel: string;
  bodyLimit: string;
  /** Seconds between deadline-watcher ticks inside the server; 0 disables the in-server watcher. */
  watchIntervalSeconds: number;
  /** Agencies' own templates: <dir>/<AGENCY_CODE>/<path as in templates/>. */
  templatesOverrideDir: string;
  /** A Chromium to print PDFs with instead of the one bundled in @sparticuz/chromium. */
  chromiumPath: string | undefined;
  /** The Zalo ZNS channel; `simulated` without ZALO_APP_ID (see src/channels/zalo/settings.ts). */
  zalo: ZaloSettings;
  /** The e-mail channel: SMTP relay or, without SMTP_URL, the .eml outbox folder (see src/channels/email/settings.ts). */
  email: EmailSettings;
  /** The SMS channel: a brandname gateway, or the simulator without SMS_API_KEY (see src/channels/sms/settings.ts). */
  sms: SmsSettings;
  /**
   * Staff sign-in: session lifetime (renewed while used); failures counted over `lockMs` per
   * account and address, per account, and per address (see src/domain/sign-in.ts); the cost
   * (log2 of scrypt's N) of new password hashes.
   */
  auth: { sessionMs: number; maxFailures: number; maxFailuresPerAddress: number; lockMs: number; passwordHashCost: number };
  /** Citizen links stop working this long after the dossier is closed. */
  citizenLinkRetentionMs: number;
  /** Public look-up (/tra-cuu) requests per minute per address. */
  lookupRatePerMinute: number;
  /**
   * How long (real time) a request holds its Idempotency-Key before a retry may take it over:
   * longer than any request runs, short enough that a retry after a killed server goes through.
   */
  idempotencyClaimMs: number;
  /**
   * Express's `trust proxy`: the proxies whose X-Forwarded-For / X-Forwarded-Proto are believed —
   * addresses, subnets and Express's names (`loopback`…), a number of hops, or none.
   */
  trustProxy: string[] | number | false;
  signing: {
    /**
     * Encrypts the signing secrets stored in the database (PKCS#12 passwords, remote-signing
     * service passwords). Outside production a fixed development key is used when unset.
     */
    secretKey: string;
    /** Demo roots (created by seed-demo) are trusted outside production only. */
    trustDemoRoots: boolean;
    /** How often a letter waiting for a remote signature is checked (a callback wakes it sooner). */
    pollMs: number;
    /**
     * Production: an agency that has chosen neither a signer nor "off" cannot issue. Elsewhere
     * its letters are issued unsigned and say so ("Cơ quan chưa cài đặt chữ ký số").
     */
    required: boolean;
  };
  dispatch: {
    /** Seconds between outbox runs inside the server; 0 turns the in-server worker off. */
    intervalSeconds: number;
    concurrency: number;
    /** How long temporary and technical failures are retried before they become permanent. */
    retryWindowMs: number;
    /**
     * The last resort: a worker silent this long is dead even when no other worker watched it
     * fall silent (and a claim by a worker without a lease is stuck after this long).
     */
    sendingTimeoutMs: number;
    /** A worker silent while another worker renewed its own lease without a break for this long is dead. */
    leaseMs: number;
    /** Citizen messages only go out in this Vietnam-time window: [start, end) in minutes. */
    sendWindow: { start: number; end: number };
  };
  /** Calls to the one-stop systems (issue 16): appointment updates sent, dossiers pulled. */
  onestop: {
    /** How long a one-stop system has to answer one call. */
    timeoutMs: number;
    /** Seconds between polls of the pull-mode sources inside the server; 0 turns polling off. */
    pullIntervalSeconds: number;
    /** Dossiers asked for per page of a poll. */
    pullPageSize: number;
  };
  /**
   * `system`: the machine's time. `virtual`: the simulated time of a replay, shared by every
   * process through the database (src/replay/virtual-clock.ts, docs/virtual-clock.md).
   */
  clock: 'system' | 'virtual';
}

export class ConfigError extends Error {}

function sendWindowOf(text: string): { start: number; end: number } {
  const [start, end] = text.split('-').map((hhmm) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3)));
  if (!(start < end) || end > 24 * 60) throw new ConfigError(`Cấu hình không hợp lệ:\n  SEND_WINDOW: "${text}" phải là khoảng giờ trong ngày, ví dụ 06:00-22:00`);
  return { start, end };
}

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** One TRUST_PROXY entry: a name Express knows, an address, or a subnet (prefix length or netmask). */
function isProxyEntry(entry: string): boolean {
  if (PROXY_NAMES.has(entry)) return true;
  const [address, range, ...rest] = entry.split('/');
  const family = net.isIP(address);
  if (!family || rest.length) return false;
  if (range === undefined) return true;
  if (/^\d{1,3}$/.test(range)) return Number(range) <= (family === 4 ? 32 : 128);
  return family === 4 && net.isIPv4(range);
}

function trustProxyOf(text: string): Config['trustProxy'] {
  const value = text.trim();
  const refuse = (why: string) => new ConfigError(`Cấu hình không hợp lệ:\n  TRUST_PROXY: ${why}`);
  if (/^\d+$/.test(value)) return Number(value) === 0 ? false : Number(value);
  if (value === 'false') return false;
  // Trusting every address lets any client write its own X-Forwarded-For: it would choose its
  // own look-up and sign-in buckets and pass as HTTPS.
  if (value === 'true') {
    throw refuse('"true" tin mọi địa chỉ, ai cũng tự khai được X-Forwarded-For; hãy ghi địa chỉ hoặc dải địa chỉ của proxy (ví dụ 10.0.0.5 hoặc 10.0.0.0/24), hoặc số tầng proxy');
  }
  const entries = value.split(',').map((e) => e.trim());
  const wrong = entries.filter((e) => !isProxyEntry(e));
  if (wrong.length) {
    throw refuse(`không hiểu ${wrong.map((e) => `"${e}"`).join(', ')}: mỗi mục là một địa chỉ IP, một dải (10.0.0.0/24), loopback, linklocal hoặc uniquelocal; hoặc cả giá trị là số tầng proxy`);
  }
  return entries;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable (`DATABASE_URL=`) means "not set", as in most shells' habits.
  const parsed = schema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Cấu hình không hợp lệ:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const zalo = readZaloSettings(e);
  if (zalo.problems.length) {
    throw new ConfigError(`ZALO_APP_ID đã đặt nhưng thiếu các thiết lập Zalo đi kèm:\n${zalo.problems.map((m) => `  - ${m}`).join('\n')}`);
  }
  const email = readEmailSettings(e);
  if (email.problems.length) {
    throw new ConfigError(`Cấu hình e-mail không hợp lệ:\n${email.problems.map((m) => `  - ${m}`).join('\n')}`);
  }
  const publicBaseUrl = (e.PUBLIC_BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, '');
  const sms = readSmsSettings(e, publicBaseUrl, e.NODE_ENV === 'production');
  if (sms.problems.length) {
    throw new ConfigError(`SMS_API_KEY đã đặt nhưng thiếu các thiết lập SMS đi kèm:\n${sms.problems.map((m) => `  - ${m}`).join('\n')}`);
  }
  const dataDir = path.resolve(e.DATA_DIR);
  const url = e.DATABASE_URL;
  const database: DatabaseSettings =
    url && /^postgres(ql)?:/.test(url)
      ? { client: 'pg', url, poolMax: e.DATABASE_POOL_MAX }
      : { client: 'sqlite', filename: url ? url.replace(/^sqlite:(\/\/)?/, '') : path.join(dataDir, 'henlai.sqlite') };

  if (e.NODE_ENV === 'production') {
    const missing: string[] = [];
    if (!url) missing.push('DATABASE_URL (cơ sở dữ liệu dùng thật phải được chỉ định rõ)');
    if (!e.PUBLIC_BASE_URL) missing.push('PUBLIC_BASE_URL (địa chỉ công khai để gửi đường dẫn cho người dân)');
    // Without these the outbox would mark citizens' messages sent while they never left the machine.
    if (!e.SMTP_URL) missing.push('SMTP_URL (máy chủ gửi thư; không có thì thư chỉ được ghi ra thư mục outbox)');
    if (!e.ZALO_APP_ID) missing.push('ZALO_APP_ID và các thiết lập ZALO_* (không có thì kênh Zalo chỉ là mô phỏng)');
    if (!e.SIGNING_SECRET_KEY) missing.push('SIGNING_SECRET_KEY (khóa mã hóa mật khẩu chứng thư số lưu trong cơ sở dữ liệu)');
    if (missing.length) {
      throw new ConfigError(`Chế độ production thiếu các thiết lập bắt buộc:\n${missing.map((m) => `  - ${m}`).join('\n')}`);
    }
    // Simulated time would date citizens' letters and deadlines on a day that is not today.
    if (e.HENLAI_CLOCK === 'virtual') {
      throw new ConfigError(
        'Cấu hình không hợp lệ:\n  HENLAI_CLOCK: "virtual" (đồng hồ mô phỏng của henlai replay) không được dùng ở chế độ production; hãy bỏ thiết lập này hoặc đặt HENLAI_CLOCK=system',
      );
    }
    if (e.PASSWORD_HASH_COST < PRODUCTION_PASSWORD_HASH_COST) {
      throw new ConfigError(
        `Cấu hình không hợp lệ:\n  PASSWORD_HASH_COST: ${e.PASSWORD_HASH_COST} quá thấp cho production (tối thiểu ${PRODUCTION_PASSWORD_HASH_COST}); giá trị thấp chỉ dùng khi chạy kiểm thử`,
      );
    }
  }
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    dataDir,
    database,
    // Production never loads demo data, whatever HENLAI_DEMO says.
    demo: e.NODE_ENV !== 'production' && e.HENLAI_DEMO,
    publicBaseUrl,
    logLevel: e.LOG_LEVEL,
    bodyLimit: e.BODY_LIMIT,
    watchIntervalSeconds: e.WATCH_INTERVAL_SECONDS,
    chromiumPath: e.HENLAI_CHROMIUM_PATH,
    zalo: zalo.settings,
    email: email.settings,
    sms: sms.settings,
    auth: {
      sessionMs: e.SESSION_HOURS * 3_600_000,
      maxFailures: e.LOGIN_MAX_FAILURES,
      maxFailuresPerAddress: e.LOGIN_MAX_FAILURES_PER_ADDRESS,
      lockMs: e.LOGIN_LOCK_MINUTES * 60_000,
      passwordHashCost: e.PASSWORD_HASH_COST,
    },
    citizenLinkRetentionMs: e.CITIZEN_LINK_RETENTION_DAYS * 86_400_000,
    lookupRatePerMinute: e.LOOKUP_RATE_PER_MINUTE,
    idempotencyClaimMs: e.IDEMPOTENCY_CLAIM_SECONDS * 1000,
    trustProxy: trustProxyOf(e.TRUST_PROXY),
    signing: {
      secretKey: e.SIGNING_SECRET_KEY ?? 'henlai-development-signing-key (không dùng cho production)',
      trustDemoRoots: e.NODE_ENV !== 'production',
      pollMs: e.SIGNING_POLL_SECONDS * 1000,
      required: e.NODE_ENV === 'production',
    },
    dispatch: {
      intervalSeconds: e.DISPATCH_INTERVAL_SECONDS,
      concurrency: e.DISPATCH_CONCURRENCY,
      retryWindowMs: e.DISPATCH_RETRY_HOURS * 3_600_000,
      sendingTimeoutMs: e.DISPATCH_SENDING_TIMEOUT_SECONDS * 1000,
      leaseMs: e.DISPATCH_LEASE_SECONDS * 1000,
      sendWindow: sendWindowOf(e.SEND_WINDOW),
    },
    onestop: {
      timeoutMs: e.ONESTOP_TIMEOUT_SECONDS * 1000,
      pullIntervalSeconds: e.ONESTOP_PULL_INTERVAL_SECONDS,
      pullPageSize: e.ONESTOP_PULL_PAGE_SIZE,
    },
    clock: e.HENLAI_CLOCK,
    templatesOverrideDir: path.resolve(e.TEMPLATES_OVERRIDE_DIR ?? path.join(dataDir, 'templates')),
  };
}
