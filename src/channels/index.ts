import type { Db } from '../db/connection';
import type { NoticeChannel } from '../db/notices';
import type { Logger } from '../logger';
import type { Clock } from '../clock';
import { createEmailChannel } from './email/channel';
import type { EmailSettings } from './email/settings';
import { createSmsChannel } from './sms/channel';
import type { SmsSettings } from './sms/settings';
import type { Channel } from './types';
import { createZaloChannel } from './zalo/channel';
import type { ZaloSettings } from './zalo/settings';

/** What the channels are built from; config.ts reads it from the environment. */
export interface ChannelSettings {
  zalo: ZaloSettings;
  email: EmailSettings;
  sms: SmsSettings;
  /** The e-mail outbox folder (no SMTP relay) lives under it. */
  dataDir: string;
}

/**
 * The channels the outbox sends through. 'print' has no channel on purpose: those notices wait on
 * the counter's list until a person calls the citizen or hands the letter over.
 */
export function buildChannels(config: ChannelSettings, db: Db, clock: Clock, logger: Logger): Map<NoticeChannel, Channel> {
  return new Map<NoticeChannel, Channel>([
    ['zalo', createZaloChannel({ db, config: config.zalo, clock, logger })],
    ['email', createEmailChannel({ config: config.email, dataDir: config.dataDir, logger })],
    ['sms', createSmsChannel(config.sms)],
  ]);
}
