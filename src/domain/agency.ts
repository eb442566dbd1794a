import { DEFAULT_NOTICE_CHANNELS, type CitizenChannel } from './notice-route';

/** How an agency works, as its administrator set it: the lead time and review of its letters, its office hours. */
export type ApologyMode = 'auto' | 'review';

/** "HH:MM-HH:MM" ranges per weekday; an absent day uses the national default. */
export type WeekHours = Partial<Record<'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun', string[]>>;

export interface AgencySettings {
  apologyLeadWorkingDays: number;
  apologyMode: ApologyMode;
  maxExtensions: number;
  signerName: string | null;
  signerTitle: string | null;
  officeHours: WeekHours;
  publicBoard: boolean;
  /** The order in which a citizen's notice tries the channels they agreed to; the counter's list always comes last. */
  noticeChannels: CitizenChannel[];
  /** SMS with diacritics (Unicode: 70 characters a segment) instead of the registered text without them (160). */
  smsUnicode: boolean;
  /** The drafting unit's abbreviation filed under "Lưu: VT, …" on its letters; null: the letter symbol's. */
  draftingUnit: string | null;
}

export const DEFAULT_AGENCY_SETTINGS: AgencySettings = {
  apologyLeadWorkingDays: 1,
  apologyMode: 'auto',
  maxExtensions: 1,
  signerName: null,
  signerTitle: null,
  officeHours: {},
  publicBoard: false,
  noticeChannels: [...DEFAULT_NOTICE_CHANNELS],
  smsUnicode: false,
  draftingUnit: null,
};
