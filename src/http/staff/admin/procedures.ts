/** Procedures: the list, and the form that creates one (installation-wide only) or edits its time rules. */
import { Router, type Request, type Response } from 'express';
import type { Procedure, ProcedureInput } from '../../../db/procedures';
import { formatHhmm } from '../../../domain/time';
import { ConflictError } from '../../../errors';
import { procedureInput } from '../../api/routes';
import { procedurePatchSchema, procedureSchema } from '../../api/schemas';
import { parse } from '../../validate';
import { actorOf, adminPage, agencyNameOf, formOf, labelOf, numberOrText, orNull, refusal, type AdminDeps, type Choice, type Form } from './shared';

const SUPPLEMENT_POLICIES: Choice[] = [
  { value: 'restart', label: 'Tính lại từ đầu khi nhận đủ hồ sơ bổ sung' },
  { value: 'pause', label: 'Tạm dừng, tính tiếp khi nhận đủ hồ sơ bổ sung' },
];
const TIME_UNITS: Choice[] = [
  { value: 'days', label: 'Ngày làm việc' },
  { value: 'hours', label: 'Giờ làm việc' },
  { value: 'same_day', label: 'Trong ngày (giờ chốt)' },
];

function processingTimeText(p: Procedure): string {
  if (p.timeUnit === 'same_day') return `Trong ngày, chốt ${formatHhmm(p.sameDayCutoff ?? 0)}`;
  return `${p.timeAmount.toLocaleString('vi-VN')} ${p.timeUnit === 'days' ? 'ngày làm việc' : 'giờ làm việc'}`;
}

function procedureValues(p: Procedure): Form {
  return {
    unit: p.timeUnit,
    amount: p.timeUnit === 'same_day' ? '' : String(p.timeAmount),
    cutoff: p.sameDayCutoff === null ? '15:00' : formatHhmm(p.sameDayCutoff),
    supplementPolicy: p.supplementPolicy,
    defaultExtensionDays: String(p.defaultExtensionDays),
    defaultDelayReason: p.defaultDelayReason,
  };
}

function procedureBody(f: Form, creating: boolean) {
  const common = {
    processingTime: f.unit === 'same_day' ? { unit: f.unit, cutoff: f.cutoff ?? '' } : { unit: f.unit, amount: numberOrText(f.amount) },
    supplementPolicy: f.supplementPolicy,
    defaultExtensionDays: numberOrText(f.defaultExtensionDays),
    defaultDelayReason: f.defaultDelayReason ?? '',
  };
  return creating
    ? parse(procedureSchema, { ...common, code: f.code ?? '', name: f.name ?? '', field: f.field ?? '', agencyCode: orNull(f.agencyCode) })
    : parse(procedurePatchSchema, common);
}

const procedureMessages = (f: Form) => ({
  amount: f.unit === 'hours' ? 'Nhập số giờ lớn hơn 0, tối đa 2000' : 'Nhập số ngày làm việc từ 0 đến 365',
  unit: 'Chọn một cách tính thời hạn',
  defaultExtensionDays: 'Nhập số ngày từ 1 đến 60',
  supplementPolicy: 'Chọn một cách tính khi bổ sung hồ sơ',
});

export function procedurePages({ services: s, views }: AdminDeps<'registry'>): Router {
  const r = Router();
  const page = adminPage(views);
  const agencyIdOf = s.registry.agencyIdOf.bind(s.registry);
  /** The procedure form: editing `procedure`, or creating one when it is null (then code, name, field and agency too). */
  const procedureForm = async (req: Request, res: Response, procedure: Procedure | null, values: Form, errors: Record<string, string> = {}, error?: string, status = 200) =>
    page(
      req,
      res,
      'procedure-edit',
      {
        title: procedure ? `Sửa thủ tục ${procedure.code}` : 'Thêm thủ tục',
        procedure,
        values,
        errors,
        error,
        units: TIME_UNITS,
        policies: SUPPLEMENT_POLICIES,
        agencies: procedure ? [] : await s.registry.agenciesToManage(actorOf(req)),
      },
      status,
    );

  r.get('/quan-tri/thu-tuc', async (req, res) => {
    const [procedures, agencies] = await Promise.all([s.registry.proceduresToManage(actorOf(req)), s.registry.listAgencies()]);
    const nameOf = agencyNameOf(agencies);
    page(req, res, 'procedures', {
      title: 'Thủ tục',
      mayManage: s.registry.mayManageCatalogue(actorOf(req)),
      procedures: procedures.map((p) => ({
        ...p,
        agencyName: nameOf(p.agencyId),
        timeText: processingTimeText(p),
        policyLabel: labelOf(SUPPLEMENT_POLICIES, p.supplementPolicy),
      })),
    });
  });
  r.get('/quan-tri/thu-tuc/moi', async (req, res) => {
    s.registry.assertInstallationWide(actorOf(req));
    await procedureForm(req, res, null, { unit: 'days', cutoff: '15:00', supplementPolicy: 'restart', defaultExtensionDays: '5' });
  });
  r.post('/quan-tri/thu-tuc/moi', async (req, res) => {
    s.registry.assertInstallationWide(actorOf(req));
    const f = formOf(req);
    try {
      const body = procedureBody(f, true);
      await s.registry.createProcedure(await procedureInput(body, {} as ProcedureInput, agencyIdOf), actorOf(req));
      res.redirect(303, '/quan-tri/thu-tuc?ok=saved');
    } catch (err) {
      const shown = refusal(err, procedureMessages(f));
      if (err instanceof ConflictError) shown.errors.code = err.message;
      await procedureForm(req, res, null, f, shown.errors, shown.message, shown.status);
    }
  });
  r.get('/quan-tri/thu-tuc/:code', async (req, res) => {
    const procedure = await s.registry.procedureToManage(req.params.code, actorOf(req));
    await procedureForm(req, res, procedure, procedureValues(procedure));
  });
  r.post('/quan-tri/thu-tuc/:code', async (req, res) => {
    const procedure = await s.registry.procedureToManage(req.params.code, actorOf(req));
    const f = formOf(req);
    try {
      const next = await procedureInput(procedureBody(f, false), procedure, agencyIdOf);
      await s.registry.updateProcedure(procedure.code, () => next, actorOf(req));
      res.redirect(303, '/quan-tri/thu-tuc?ok=saved');
    } catch (err) {
      const shown = refusal(err, procedureMessages(f));
      await procedureForm(req, res, procedure, f, shown.errors, shown.message, shown.status);
    }
  });
  return r;
}
