/**
 * What an SMS gateway's wire format must provide, so that the channel, the simulator and the
 * delivery-report endpoint never see a provider's field names. eSMS (esms.ts) is the one we ship;
 * a carrier's own API (SpeedSMS-style `POST /index.php/sms/send`, say) is another module of this
 * shape, chosen by SMS_GATEWAY.
 */
import type { SendResult } from '../types';

export interface SmsMessage {
  /** Our notice id: the gateway drops a repeated one, so a retry after a timeout is not billed twice. */
  requestId: string;
  /** E.164 (+84…). */
  phone: string;
  text: string;
  /** UCS-2 (with diacritics) rather than GSM-7. */
  unicode: boolean;
  /** Where the gateway sends the delivery report (carries the installation's secret token). */
  callbackUrl: string;
}

export interface SmsHttpRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** What came back: an HTTP status and body, or a network failure. Never an exception. */
export interface SmsAnswer {
  httpStatus: number | null;
  /** Parsed JSON; the raw text when it is not JSON; null for an empty body. */
  body: unknown;
  /** 'ECONNABORTED' (timeout), 'ECONNREFUSED'… when no HTTP answer came back. */
  networkErrorCode: string | null;
}

/** A delivery report, in our words. */
export interface SmsReport {
  /** The gateway's message id. */
  providerMessageId: string;
  /** Our notice id, when the gateway echoes our RequestId. */
  noticeId: number | null;
  /** true: reached the phone; false: did not and will not; null: not final yet (queued, waiting for the network). */
  delivered: boolean | null;
  /** Short and readable, for the notice's record (no phone number). */
  detail: string;
}

/** The settings a gateway reads; each one takes what its API needs. */
export interface SmsCredentials {
  apiBase: string;
  apiKey: string;
  secretKey: string;
  brandname: string;
  sandbox: boolean;
}

export interface SmsGateway {
  readonly name: string;
  request(credentials: SmsCredentials, message: SmsMessage): SmsHttpRequest;
  /** Any answer, in the channel vocabulary; `channelDown` for what no retry fixes (credentials, balance, brandname). */
  classify(answer: SmsAnswer): SendResult;
  /** A delivery report from the callback's query string; null when it is not one. */
  report(query: Record<string, unknown>): SmsReport | null;
}
