import type { Agency, AgencyRepository } from '../../db/agencies';
import type { Apology, ApologyRepository } from '../../db/apologies';
import type { Dossier, DossierRepository } from '../../db/dossiers';
import type { Notice, NoticeRepository } from '../../db/notices';
import { NotFoundError } from '../../errors';
import { actsFor, mayAccessDossier, readsFor, type Actor } from '../../domain/actor';

export interface ApologyView {
  apology: Apology;
  dossierCode: string;
  agency: Agency;
  notices: Notice[];
}

export interface ApologyAccessDeps {
  apologies: ApologyRepository;
  dossiers: DossierRepository;
  agencies: AgencyRepository;
  notices: NoticeRepository;
}

/**
 * Who sees which apology, shared by the workflow and the reads: an apology is the issuing
 * agency's, and visible to the agency that received its dossier. Those who may not see one are
 * told it does not exist.
 */
export class ApologyAccess {
  constructor(private readonly deps: ApologyAccessDeps) {}

  async dossier(code: string, actor: Actor, mode: 'read' | 'write', forUpdate = false): Promise<Dossier> {
    const d = await this.deps.dossiers.byCode(code, forUpdate);
    if (!d || !mayAccessDossier(actor, d, mode)) throw new NotFoundError(`Không có hồ sơ mã "${code}"`);
    return d;
  }

  /** `forUpdate`: locked, after its dossier (ApologyRepository.lockWithDossier says why). */
  async apology(id: number, actor: Actor, mode: 'read' | 'write', forUpdate = false): Promise<Apology> {
    const a = forUpdate ? await this.deps.apologies.lockWithDossier(id) : await this.deps.apologies.byId(id);
    if (!a || !(await this.visible(a, actor, mode))) throw new NotFoundError(`Không có thư xin lỗi số ${id}`);
    return a;
  }

  async view(a: Apology, withNotices = true): Promise<ApologyView> {
    // One after the other: an answer built inside a request's transaction (an Idempotency-Key)
    // shares its one connection, which takes one query at a time.
    const agency = await this.deps.agencies.byId(a.issuingAgencyId);
    const dossier = await this.deps.dossiers.byId(a.dossierId);
    const notices = withNotices ? await this.deps.notices.forApology(a.id) : [];
    return { apology: a, agency: agency as Agency, dossierCode: (dossier as Dossier).code, notices };
  }

  /** The issuing agency's, or about a dossier the actor's agency received. */
  private async visible(a: Apology, actor: Actor, mode: 'read' | 'write'): Promise<boolean> {
    if ((mode === 'read' ? readsFor : actsFor)(actor, a.issuingAgencyId)) return true;
    const d = await this.deps.dossiers.byId(a.dossierId);
    return d !== null && mayAccessDossier(actor, d, mode);
  }
}
