import { transactionRetrying, type Db } from '../../db/connection';
import type { Apology, ApologyRepository } from '../../db/apologies';
import type { DossierRepository } from '../../db/dossiers';
import { localDayOf, type DayNumber } from '../../domain/time';
import { decidesApology, type Actor } from '../../domain/actor';
import { ConflictError, ForbiddenError } from '../../errors';
import type { Clock } from '../../clock';
import { signatureWaitingFor, type LetterSigningService } from '../signing/letters';
import { authorize } from '../authorize';
import type { ApologyAccess, ApologyView } from './access';
import type { ApologyWorkflow } from './workflow';

export interface RevisionInput {
  reason?: string;
  newDueDay?: DayNumber;
}

export interface ApologyReviewDeps {
  db: Db;
  apologies: ApologyRepository;
  dossiers: DossierRepository;
  signing: LetterSigningService;
  access: ApologyAccess;
  workflow: ApologyWorkflow;
  clock: Clock;
}

/**
 * Between drafting and approval (issue 15): the leader reads the letter as it will be issued,
 * changes its reason or new date in place, or hands it back to the drafter with a comment; the
 * drafter revises a returned draft, which sends it back for approval. Each step is a dossier
 * history event, like drafting, issuing and cancelling.
 */
export class ApologyReview {
  constructor(private readonly deps: ApologyReviewDeps) {}

  /** The letter as it will be issued, its number and date left blank, for whoever may see the draft. */
  async letter(id: number, actor: Actor): Promise<string> {
    const a = await this.deps.access.apology(id, actor, 'read');
    if (a.status !== 'draft') throw new ConflictError('apology-not-draft', 'Chỉ xem trước được bản nháp: thư đã ban hành có bản in riêng');
    return this.deps.workflow.leaderLetterHtml(a);
  }

  /** A new reason or date, checked by the same rules as drafting; a returned draft goes back for approval. */
  async revise(id: number, input: RevisionInput, actor: Actor): Promise<ApologyView> {
    authorize(actor, 'apology.draft');
    const { db, apologies, dossiers, workflow, clock } = this.deps;
    const revised = await transactionRetrying(db, async () => {
      const a = await this.openDraft(id, actor, 'write');
      const d = await dossiers.get(a.dossierId, true);
      if (d.deadlineVersion !== a.deadlineVersion) throw new ConflictError('deadline-changed', 'Thời hạn của hồ sơ đã thay đổi sau khi soạn thư: hãy huỷ và soạn lại');
      const now = clock.now();
      const { fields } = await workflow.checkedDraft(
        d,
        {
          reason: input.reason ?? a.reason,
          newDueDay: input.newDueDay ?? localDayOf(new Date(a.newDueAt)),
          responsibleUnit: a.responsibleUnit,
          signerName: a.signerName,
          signerTitle: a.signerTitle,
          signerOnBehalf: a.signerOnBehalf,
        },
        now,
      );
      if (fields.reason === a.reason && fields.newDueAt === a.newDueAt && a.returnedAt === null) return a;
      if (!(await workflow.reviseInTx(a, { reason: fields.reason, newDueAt: fields.newDueAt }, actor, now, null))) throw notDraft();
      return apologies.get(a.id);
    });
    return this.deps.access.view(revised);
  }

  /** The draft back to its drafter with the approver's comment: it leaves the approval queue until revised. */
  async returnToDrafter(id: number, comment: string, actor: Actor): Promise<ApologyView> {
    authorize(actor, 'apology.approve');
    const { db, apologies, dossiers, workflow, clock } = this.deps;
    const returned = await transactionRetrying(db, async () => {
      const a = await workflow.draftToDecide(id, actor, 'approve');
      await this.notSigning(a);
      const now = clock.now().getTime();
      if (!(await apologies.markReturned(a.id, actor.name, comment, now))) throw notDraft();
      await dossiers.addEvent({ dossierId: a.dossierId, kind: 'apology_returned', occurredAt: now, recordedAt: now, actor: actor.name, data: { apologyId: a.id }, note: comment });
      return apologies.get(a.id);
    });
    return this.deps.access.view(returned);
  }

  /** A draft the actor may change: locked, still a draft, and not in the middle of being signed. */
  private async openDraft(id: number, actor: Actor, mode: 'write'): Promise<Apology> {
    const a = await this.deps.access.apology(id, actor, mode, true);
    if (a.status !== 'draft') throw notDraft();
    // Waiting for approval, only the deciding agency changes it; once returned, the drafter's side does too.
    if (a.returnedAt === null && !decidesApology(actor, a)) {
      throw new ForbiddenError('Thư đang chờ cơ quan giải quyết hồ sơ duyệt: chỉ cơ quan đó sửa được, hoặc trả lại để người soạn sửa');
    }
    await this.notSigning(a);
    return a;
  }

  private async notSigning(a: Apology): Promise<void> {
    const l = await this.deps.signing.state(a.id);
    if (l && signatureWaitingFor(l.state) !== null) {
      throw new ConflictError('apology-signing', 'Thư đang chờ ký số: không sửa hay trả lại được lúc này');
    }
  }
}

function notDraft(): ConflictError {
  return new ConflictError('apology-not-draft', 'Thư xin lỗi không còn là bản nháp: không sửa hay trả lại được');
}
