import type { AgencyRepository } from '../../db/agencies';
import type { Apology, ApologyRepository, ApologyStatus } from '../../db/apologies';
import type { Attempt, NoticeRepository } from '../../db/notices';
import { citizenLink, pdfFileName } from '../../documents/apology-letter';
import { ConflictError } from '../../errors';
import { scopeAgencies, type Actor } from '../../domain/actor';
import type { ApologyAccess, ApologyView } from './access';
import type { ApologyFiles, LetterFile } from './files';

export { ApologyAccess, type ApologyView } from './access';
export { ApologyFiles, type LetterFile } from './files';
export { ApologyReview, type RevisionInput } from './review';
export { ApologyWorkflow, COMMON_REASONS, STATUS_LABELS, type DraftInput, type Proposal } from './workflow';

export interface ApologyServiceDeps {
  access: ApologyAccess;
  apologies: ApologyRepository;
  agencies: AgencyRepository;
  notices: NoticeRepository;
  files: ApologyFiles;
  publicBaseUrl: string;
}

/** What staff read of apologies: one, a list, a dossier's with every attempt to send them, the letter. */
export class ApologyService {
  constructor(private readonly deps: ApologyServiceDeps) {}

  async get(id: number, actor: Actor): Promise<ApologyView> {
    return this.deps.access.view(await this.deps.access.apology(id, actor, 'read'));
  }

  async list(
    filter: { agencyCode?: string; statuses?: ApologyStatus[]; late?: boolean },
    limit: number,
    offset: number,
    actor: Actor,
  ): Promise<{ items: ApologyView[]; total: number }> {
    let agencyIds: number[] | undefined;
    if (filter.agencyCode) {
      const a = await this.deps.agencies.byCode(filter.agencyCode);
      agencyIds = a ? [a.id] : [];
    }
    const { items, total } = await this.deps.apologies.list({ agencyIds: scopeAgencies(actor, agencyIds), statuses: filter.statuses, late: filter.late }, limit, offset);
    return { items: await Promise.all(items.map((a) => this.deps.access.view(a, false))), total };
  }

  /** A dossier's apologies, newest first, each with its notices and every attempt to send them. */
  async forDossier(code: string, actor: Actor): Promise<{ views: ApologyView[]; attempts: Map<number, Attempt[]> }> {
    const d = await this.deps.access.dossier(code, actor, 'read');
    const { items } = await this.deps.apologies.list({ dossierId: d.id }, 100, 0);
    const views = await Promise.all(items.map((a) => this.deps.access.view(a)));
    const attempts = new Map<number, Attempt[]>();
    for (const n of views.flatMap((v) => v.notices)) attempts.set(n.id, await this.deps.notices.attempts(n.id));
    return { views, attempts };
  }

  async letterHtml(id: number, actor: Actor): Promise<string> {
    const a = await this.issued(id, actor);
    return (await this.deps.apologies.html(a.id)) as string;
  }

  async letterPdf(id: number, actor: Actor): Promise<LetterFile> {
    const a = await this.issued(id, actor);
    return { pdf: await this.deps.files.ensurePdf(a.id), fileName: pdfFileName(a) };
  }

  citizenLink(a: Pick<Apology, 'citizenToken'>): string {
    return citizenLink(this.deps.publicBaseUrl, a);
  }

  private async issued(id: number, actor: Actor): Promise<Apology> {
    const a = await this.deps.access.apology(id, actor, 'read');
    if (a.status !== 'issued') throw new ConflictError('apology-not-issued', 'Thư xin lỗi chưa được ban hành nên chưa có văn bản');
    return a;
  }
}
