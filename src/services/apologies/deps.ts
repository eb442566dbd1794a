import type { Db } from '../../db/connection';
import type { Agency, AgencyRepository } from '../../db/agencies';
import type { Procedure, ProcedureRepository } from '../../db/procedures';
import type { DossierRepository } from '../../db/dossiers';
import type { ApologyRepository } from '../../db/apologies';
import type { NoticeRepository } from '../../db/notices';
import type { WorkingCalendar } from '../../domain/calendar';
import type { DocumentRenderer } from '../../documents/renderer';
import type { Logger } from '../../logger';
import type { CalendarService } from '../calendar';
import type { Clock } from '../../clock';
import type { ApologyAccess } from './access';
import type { ApologyFiles } from './files';
import type { DraftCancellation } from './cancellation';
import type { LetterSigningService } from '../signing/letters';
import type { OnestopOutbound } from '../interop-outbound';

export interface ApologyWorkflowDeps {
  db: Db;
  apologies: ApologyRepository;
  notices: NoticeRepository;
  dossiers: DossierRepository;
  agencies: AgencyRepository;
  procedures: ProcedureRepository;
  calendars: CalendarService;
  documents: DocumentRenderer;
  files: ApologyFiles;
  access: ApologyAccess;
  clock: Clock;
  publicBaseUrl: string;
  logger: Logger;
  /** The letter's two digital signatures (issue 14). */
  signing: LetterSigningService;
  /** The system the dossier came from, told the new appointment (issue 16). */
  outbound: OnestopOutbound;
  /** Cancelling a draft, and what becomes of a letter number it reserved. */
  drafts: DraftCancellation;
}

/** Where a dossier's apology is decided and what it is checked against. */
export interface Context {
  agency: Agency;
  procedure: Procedure;
  calendar: WorkingCalendar;
}
