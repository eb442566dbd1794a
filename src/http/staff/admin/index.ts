/**
 * Administration pages under /quan-tri, one router per area: agencies, procedures, the working
 * calendar, accounts, API tokens, template preview, channel health and the one-stop interop sources. Every read and write goes
 * through a use case that checks the permission ('registry.manage', 'channel.manage',
 * 'user.manage', 'token.manage') and the agency: an administrator bound to one agency manages that
 * agency's accounts, tokens, settings and days off, and nothing installation-wide. The pages only
 * hide what the use cases would refuse.
 */
import type { PageGroup } from '../index';
import { accountPages } from './accounts';
import { agencyPages } from './agencies';
import { calendarPages } from './calendar';
import { channelPages } from './channels';
import { adminHome } from './home';
import { previewPages } from './preview';
import { procedurePages } from './procedures';
import type { AdminDeps } from './shared';
import { tokenPages } from './tokens';
import { signingPages } from './signing';
import { syncPages } from './sync';
import { interopRefusalPages } from './interop-refusals';
import { interopSourcePages } from './interop-sources';

export type { AdminDeps } from './shared';

export function adminPages(deps: AdminDeps): PageGroup {
  const areas = [adminHome, agencyPages, procedurePages, calendarPages, accountPages, tokenPages, previewPages, channelPages, signingPages, syncPages, interopSourcePages, interopRefusalPages].map((area) => area(deps));
  return (r) => {
    for (const area of areas) r.use(area);
  };
}
