import type { Agency, AgencyInput, AgencyRepository } from '../db/agencies';
import type { Procedure, ProcedureInput, ProcedureRepository } from '../db/procedures';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import type { Clock } from '../clock';
import { actsFor, mayActFor, type Actor } from '../domain/actor';
import { authorize, authorizeFor } from './authorize';

export interface RegistryServiceDeps {
  agencies: AgencyRepository;
  procedures: ProcedureRepository;
  clock: Clock;
}

/** Agencies and procedures: the reference data every dossier points to. */
export class RegistryService {
  constructor(private readonly deps: RegistryServiceDeps) {}

  listAgencies(): Promise<Agency[]> {
    return this.deps.agencies.list();
  }

  /** The agencies an administrator may edit: all for an installation-wide one, else its own. */
  async agenciesToManage(actor: Actor): Promise<Agency[]> {
    authorize(actor, 'registry.manage');
    return (await this.deps.agencies.list()).filter((a) => actsFor(actor, a.id));
  }

  /** One agency for its edit form, refused like `updateAgency` would refuse the save. */
  async agencyToManage(code: string, actor: Actor): Promise<Agency> {
    authorize(actor, 'registry.manage');
    const a = await this.agency(code);
    authorizeFor(actor, 'registry.manage', a.id);
    return a;
  }

  async agency(code: string): Promise<Agency> {
    const a = await this.deps.agencies.byCode(code);
    if (!a) throw new NotFoundError(`Không có cơ quan mã "${code}"`);
    return a;
  }

  async createAgency(input: AgencyInput, actor: Actor): Promise<Agency> {
    this.assertInstallationWide(actor);
    if (await this.deps.agencies.byCode(input.code)) throw new ConflictError('agency-exists', `Cơ quan mã "${input.code}" đã có`);
    return this.deps.agencies.insert(input, this.deps.clock.now().getTime());
  }

  async updateAgency(code: string, patch: (current: Agency) => AgencyInput, actor: Actor): Promise<Agency> {
    authorize(actor, 'registry.manage');
    const current = await this.agency(code);
    authorizeFor(actor, 'registry.manage', current.id);
    const next = patch(current);
    if (next.code !== current.code && (await this.deps.agencies.byCode(next.code))) {
      throw new ConflictError('agency-exists', `Cơ quan mã "${next.code}" đã có`);
    }
    return this.deps.agencies.update(current.id, next, this.deps.clock.now().getTime());
  }

  async deleteAgency(code: string, actor: Actor): Promise<void> {
    this.assertInstallationWide(actor);
    const a = await this.agency(code);
    if (await this.deps.agencies.hasDossiers(a.id)) throw new ConflictError('agency-in-use', `Cơ quan "${a.code}" đã có hồ sơ nên không xoá được`);
    await this.deps.agencies.remove(a.id);
  }

  listProcedures(): Promise<Procedure[]> {
    return this.deps.procedures.list();
  }

  async proceduresToManage(actor: Actor): Promise<Procedure[]> {
    authorize(actor, 'registry.manage');
    return this.deps.procedures.list();
  }

  /** One procedure for its edit form; only an installation-wide administrator may save it. */
  async procedureToManage(code: string, actor: Actor): Promise<Procedure> {
    this.assertInstallationWide(actor);
    return this.procedure(code);
  }

  async procedure(code: string): Promise<Procedure> {
    const p = await this.deps.procedures.byCode(code);
    if (!p) throw new NotFoundError(`Không có thủ tục mã "${code}"`);
    return p;
  }

  async createProcedure(input: ProcedureInput, actor: Actor): Promise<Procedure> {
    this.assertInstallationWide(actor);
    if (await this.deps.procedures.byCode(input.code)) throw new ConflictError('procedure-exists', `Thủ tục mã "${input.code}" đã có`);
    return this.deps.procedures.insert(input, this.deps.clock.now().getTime());
  }

  async updateProcedure(code: string, patch: (current: Procedure) => ProcedureInput, actor: Actor): Promise<Procedure> {
    this.assertInstallationWide(actor);
    const current = await this.procedure(code);
    return this.deps.procedures.update(current.id, patch(current), this.deps.clock.now().getTime());
  }

  async deleteProcedure(code: string, actor: Actor): Promise<void> {
    this.assertInstallationWide(actor);
    const p = await this.procedure(code);
    if (await this.deps.procedures.isUsed(p.id)) throw new ConflictError('procedure-in-use', `Thủ tục "${p.code}" đã có hồ sơ nên không xoá được`);
    await this.deps.procedures.remove(p.id);
  }

  async agencyIdOf(code: string | null | undefined, field: string): Promise<number | null> {
    if (!code) return null;
    const a = await this.deps.agencies.byCode(code);
    if (!a) throw new ValidationError([{ field, message: `Không có cơ quan mã "${code}"` }]);
    return a.id;
  }

  /** Creating agencies and procedures, and changing procedures, is for an account or token not tied to one agency. */
  mayManageCatalogue(actor: Actor): boolean {
    return mayActFor(actor, 'registry.manage', null);
  }

  assertInstallationWide(actor: Actor): void {
    authorizeFor(actor, 'registry.manage', null);
  }
}
