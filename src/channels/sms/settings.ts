/**
 * The SMS settings, read from the environment with the rest of src/config.ts (as the Zalo and
 * e-mail ones are). Without SMS_API_KEY the channel is a simulator: nothing leaves the machine,
 * and magic numbers give each failure (see channel.ts) — except in production, where it is off.
 */
import { z } from 'zod';
import type { SmsCredentials } from './gateway';

export const SMS_GATEWAYS = ['esms'] as const;
export type SmsGatewayName = (typeof SMS_GATEWAYS)[number];

export interface SmsSettings extends SmsCredentials {
  /** True without SMS_API_KEY outside production. */
  simulated: boolean;
  /**
   * Production without SMS_API_KEY: no gateway and no simulator (it would report messages
   * delivered that never left); every SMS notice goes on to the next channel of its route.
   */
  off: boolean;
  gateway: SmsGatewayName;
  /**
   * The installation's secret for delivery reports: the gateway calls
   * `${PUBLIC_BASE_URL}/webhooks/sms/<token>`, and a report with another token is refused.
   */
  callbackToken: string;
  /** Where reports are sent, token included. */
  callbackUrl: string;
  timeoutMs: number;
}

export const smsEnvShape = {
  SMS_GATEWAY: z.enum(SMS_GATEWAYS).default('esms'),
  SMS_API_BASE: z.string().url().default('https://rest.esms.vn/MainService.svc/json'),
  SMS_API_KEY: z.string().optional(),
  SMS_SECRET_KEY: z.string().optional(),
  SMS_BRANDNAME: z.string().regex(/^[A-Za-z0-9 ._-]{1,11}$/, 'brandname đã đăng ký: tối đa 11 ký tự không dấu').optional(),
  SMS_CALLBACK_TOKEN: z.string().regex(/^[A-Za-z0-9_-]{24,128}$/, 'ít nhất 24 ký tự chữ không dấu, số, "-" hoặc "_" (ví dụ: openssl rand -hex 24)').optional(),
  SMS_SANDBOX: z.enum(['0', '1', 'true', 'false']).default('0').transform((v) => v === '1' || v === 'true'),
  SMS_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
};

type SmsEnv = z.output<z.ZodObject<typeof smsEnvShape>>;

/** The settings and, when SMS_API_KEY is set, what must come with it (Vietnamese, for the start-up error). */
export function readSmsSettings(e: SmsEnv, publicBaseUrl: string, production: boolean): { settings: SmsSettings; problems: string[] } {
  const apiKey = e.SMS_API_KEY?.trim() ?? '';
  const simulated = apiKey === '' && !production;
  const problems: string[] = [];
  if (apiKey !== '') {
    if (!e.SMS_SECRET_KEY) problems.push('SMS_SECRET_KEY (SecretKey của tài khoản cổng SMS)');
    if (!e.SMS_BRANDNAME) problems.push('SMS_BRANDNAME (tên thương hiệu đã đăng ký với nhà mạng)');
    if (!e.SMS_CALLBACK_TOKEN) problems.push('SMS_CALLBACK_TOKEN (mã bí mật trong địa chỉ nhận báo cáo gửi tin)');
  }
  const callbackToken = e.SMS_CALLBACK_TOKEN ?? '';
  return {
    problems,
    settings: {
      simulated,
      off: apiKey === '' && production,
      gateway: e.SMS_GATEWAY,
      apiBase: e.SMS_API_BASE.replace(/\/+$/, ''),
      apiKey,
      secretKey: e.SMS_SECRET_KEY ?? '',
      brandname: e.SMS_BRANDNAME ?? '',
      sandbox: e.SMS_SANDBOX,
      callbackToken,
      callbackUrl: `${publicBaseUrl}/webhooks/sms/${callbackToken}`,
      timeoutMs: e.SMS_TIMEOUT_MS,
    },
  };
}
