import { ACTION_LABELS, can, type Action } from '../domain/access';
import { actsFor, type Actor } from '../domain/actor';
import { ForbiddenError } from '../errors';

/** Refuses, with the action named, what the actor's role does not allow. */
export function authorize(actor: Actor, action: Action): void {
  if (!can(actor.role, action)) throw new ForbiddenError(`Tài khoản này không có quyền ${ACTION_LABELS[action]}`);
}

/** `authorize`, then refuses what lies outside the actor's agency (null: the whole installation). */
export function authorizeFor(actor: Actor, action: Action, agencyId: number | null): void {
  authorize(actor, action);
  if (actsFor(actor, agencyId)) return;
  throw new ForbiddenError(
    agencyId === null
      ? `Chỉ tài khoản hoặc mã truy cập toàn hệ thống mới được ${ACTION_LABELS[action]} ở phạm vi toàn hệ thống`
      : `Tài khoản hoặc mã truy cập của một cơ quan chỉ được ${ACTION_LABELS[action]} của chính cơ quan đó`,
  );
}
