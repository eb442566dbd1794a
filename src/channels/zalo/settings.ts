/**
 * The Zalo settings, read from the environment together with the rest of src/config.ts. They
 * live here so that config.ts only spreads `zaloEnvShape` into its schema and calls
 * `readZaloSettings`: everything Zalo-specific (defaults, the template parameter mapping, which
 * settings go together) stays next to the channel that uses it.
 *
 * Without ZALO_APP_ID the channel is a simulator: nothing leaves the machine, so a bare
 * `npm start` and the demo work without a Zalo Official Account.
 */
import { z } from 'zod';
import { ZALO_LIMITS, type ZaloParamName } from '../../documents/zalo';

export const ZALO_CANONICAL_PARAMS = Object.keys(ZALO_LIMITS) as ZaloParamName[];

export interface ZaloSettings {
  /** True without ZALO_APP_ID: the channel answers like Zalo but sends nothing. */
  simulated: boolean;
  /** ZNS API, e.g. https://business.openapi.zalo.me (tests: the local fake). */
  apiBase: string;
  /** OAuth server for refreshing the OA access token, e.g. https://oauth.zaloapp.com. */
  oauthBase: string;
  appId: string;
  /** The app secret: header `secret_key` of the token refresh. */
  appSecret: string;
  /** The OA secret key that signs webhooks; a different secret from the app secret. */
  oaSecretKey: string;
  /** Seeds the stored grant on first use only; afterwards the database holds the current one. */
  initialRefreshToken: string | null;
  /** ZNS template id of the new-appointment notice. */
  templateId: string;
  /**
   * Our canonical parameter name → the name the registered template uses; null when the
   * template has no such parameter (the value is then not sent). Complete: every canonical name
   * is a key.
   */
  templateParams: Record<ZaloParamName, string | null>;
  timeoutMs: number;
  /** 'development' sends only to the app's and OA's administrators (Zalo's test mode). */
  mode: 'live' | 'development';
}

const templateParamsJson = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'không phải JSON hợp lệ, ví dụ {"customer_name":"ten_khach_hang"}' });
      return z.NEVER;
    }
  })
  .pipe(
    z
      .record(z.string(), z.string().regex(/^[A-Za-z0-9_]{1,64}$/, 'tên tham số của mẫu Zalo chỉ gồm chữ không dấu, số và _').nullable())
      .superRefine((mapping, ctx) => {
        for (const key of Object.keys(mapping)) {
          if (!(ZALO_CANONICAL_PARAMS as string[]).includes(key)) {
            ctx.addIssue({ code: 'custom', message: `"${key}" không phải tham số của Hẹn Lại; chỉ dùng: ${ZALO_CANONICAL_PARAMS.join(', ')}` });
          }
        }
      }),
  );

export const zaloEnvShape = {
  ZALO_API_BASE: z.string().url().default('https://business.openapi.zalo.me'),
  ZALO_OAUTH_BASE: z.string().url().default('https://oauth.zaloapp.com'),
  ZALO_APP_ID: z.string().optional(),
  ZALO_APP_SECRET: z.string().optional(),
  ZALO_OA_SECRET_KEY: z.string().optional(),
  ZALO_REFRESH_TOKEN: z.string().optional(),
  ZALO_TEMPLATE_NEW_APPOINTMENT: z.string().regex(/^\d+$/, 'mã mẫu ZNS là một dãy số').optional(),
  ZALO_TEMPLATE_PARAMS: templateParamsJson.optional(),
  ZALO_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  ZALO_MODE: z.enum(['live', 'development']).default('live'),
};

type ZaloEnv = z.output<z.ZodObject<typeof zaloEnvShape>>;

/**
 * The settings and, when ZALO_APP_ID is set, the list of settings that must come with it
 * (Vietnamese, for the start-up error). A half-configured live channel would fail on the first
 * message or, worse, on the first webhook; better to refuse to start.
 */
export function readZaloSettings(e: ZaloEnv): { settings: ZaloSettings; problems: string[] } {
  const appId = e.ZALO_APP_ID?.trim() ?? '';
  const simulated = appId === '';
  const problems: string[] = [];
  if (!simulated) {
    if (!e.ZALO_APP_SECRET) problems.push('ZALO_APP_SECRET (khóa bí mật của ứng dụng, dùng để làm mới access token)');
    if (!e.ZALO_OA_SECRET_KEY) problems.push('ZALO_OA_SECRET_KEY (khóa bí mật của OA, dùng để kiểm tra chữ ký webhook)');
    if (!e.ZALO_TEMPLATE_NEW_APPOINTMENT) problems.push('ZALO_TEMPLATE_NEW_APPOINTMENT (mã mẫu ZNS thông báo ngày hẹn mới)');
  }
  const mapping = e.ZALO_TEMPLATE_PARAMS ?? {};
  const templateParams = Object.fromEntries(
    ZALO_CANONICAL_PARAMS.map((name) => [name, mapping[name] === undefined ? name : mapping[name]]),
  ) as Record<ZaloParamName, string | null>;
  return {
    problems,
    settings: {
      simulated,
      apiBase: e.ZALO_API_BASE.replace(/\/+$/, ''),
      oauthBase: e.ZALO_OAUTH_BASE.replace(/\/+$/, ''),
      appId,
      appSecret: e.ZALO_APP_SECRET ?? '',
      oaSecretKey: e.ZALO_OA_SECRET_KEY ?? '',
      initialRefreshToken: e.ZALO_REFRESH_TOKEN?.trim() || null,
      templateId: e.ZALO_TEMPLATE_NEW_APPOINTMENT ?? '',
      templateParams,
      timeoutMs: e.ZALO_TIMEOUT_MS,
      mode: e.ZALO_MODE,
    },
  };
}
