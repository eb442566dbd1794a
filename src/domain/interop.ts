/**
 * The one-stop information systems Hẹn Lại exchanges dossiers with (issue 16): sources are
 * data, configured by an installation-wide administrator. Pure: no clock, no database.
 */
export const INTEROP_MODES = ['push', 'pull'] as const;
/** push: the source calls our inbound endpoint; pull: we poll its `pullUrl`. */
export type InteropMode = (typeof INTEROP_MODES)[number];

export const DUE_GOVERNS = ['ours', 'theirs'] as const;
/**
 * Which appointment is in force when the sender's NgayHenTra differs from the date computed
 * from our calendar: ours (the legal one, the default) or theirs. Both are always kept.
 */
export type DueGoverns = (typeof DUE_GOVERNS)[number];

export interface InteropSource {
  id: number;
  /** Short code, unique, as pages and logs name the source ("IGATE-CT"). */
  code: string;
  name: string;
  mode: InteropMode;
  /** null: installation-wide (it may send every agency's dossiers); otherwise that agency only. */
  agencyId: number | null;
  /** The API token the source authenticates with (api_tokens.id), bound to the same agency. */
  tokenId: number | null;
  /** The shared secret for signed calls, sealed (SecretBox); never shown again once set. */
  secretSealed: string | null;
  /** Where re-appointments are sent (outbound calls); null: the source is not told. */
  outboundUrl: string | null;
  /** Pull mode: the endpoint listing dossiers changed since a cursor. */
  pullUrl: string | null;
  /** Pull mode: where the last successful poll stopped (opaque to us), and how polls went. */
  pullCursor: string | null;
  lastPullAt: number | null;
  lastPullOkAt: number | null;
  lastPullError: string | null;
  dueGoverns: DueGoverns;
  enabled: boolean;
  updatedBy: string;
  createdAt: number;
  updatedAt: number;
}

/** What an administrator sets; the credential, secret and pull state have their own steps. */
export type InteropSourceInput = Pick<InteropSource, 'code' | 'name' | 'mode' | 'agencyId' | 'outboundUrl' | 'pullUrl' | 'dueGoverns' | 'enabled'>;

export const INTEROP_SOURCE_CODE = { pattern: /^[A-Za-z0-9][A-Za-z0-9.\-_]{0,31}$/, message: 'Mã nguồn gồm 1–32 ký tự: chữ, số và . - _, bắt đầu bằng chữ hoặc số' };
