/** Template preview: an agency's apology letter and citizen notice rendered with sample data. */
import { Router, type Request } from 'express';
import type { LetterForm } from '../../../domain/apology';
import { localDayOf } from '../../../domain/time';
import { sampleLetterData, sampleNoticeData } from '../../../documents/sample';
import type { SmsText } from '../../../documents/types';
import { TemplateDataError, TemplateError } from '../../../documents/errors';
import { NotFoundError, RuleError } from '../../../errors';
import { sendLetterHtml } from '../../pages';
import { actorOf, adminPage, type AdminDeps } from './shared';

const LETTER_FORMS: { value: LetterForm; label: string }[] = [
  { value: 'tt03-2025', label: 'Mẫu theo Thông tư 03/2025 (hồ sơ nhận từ 01/07/2025)' },
  { value: 'tt01-2018', label: 'Mẫu theo Thông tư 01/2018 (hồ sơ nhận trước 01/07/2025)' },
];

/** "1 tin nhắn (GSM-7, tối đa 160 ký tự một tin)": what a province's SMS bill counts. */
function smsCost(t: SmsText): string {
  const unicode = t.encoding === 'UCS-2';
  const per = unicode ? (t.segments.length > 1 ? 67 : 70) : t.segments.length > 1 ? 153 : 160;
  return `Tính cước: ${t.segments.length} tin nhắn (${unicode ? 'Unicode' : 'GSM-7'}, tối đa ${per} ký tự một tin)`;
}

export function previewPages({ services: s, views }: AdminDeps<'registry' | 'documents' | 'clock' | 'config'>): Router {
  const r = Router();
  const page = adminPage(views);
  const today = () => localDayOf(s.clock.now());
  const previewChoice = async (req: Request) => {
    const agencies = await s.registry.agenciesToManage(actorOf(req));
    const form = LETTER_FORMS.find((f) => f.value === req.query.mau)?.value ?? 'tt03-2025';
    const code = typeof req.query.coQuan === 'string' ? req.query.coQuan : agencies[0]?.code;
    if (!code) throw new NotFoundError('Chưa có cơ quan nào để xem trước mẫu thư');
    const agency = await s.registry.agencyToManage(code, actorOf(req));
    return { agencies, form, agency };
  };

  r.get('/quan-tri/mau-thu', async (req, res) => {
    const { agencies, form, agency } = await previewChoice(req);
    let notice = null;
    let problem: string | null = null;
    try {
      s.documents.renderLetter(agency.code, sampleLetterData(agency, form, today()));
      notice = s.documents.renderNotice(agency.code, sampleNoticeData(agency, today(), s.config.publicBaseUrl));
    } catch (err) {
      if (!(err instanceof TemplateError || err instanceof TemplateDataError)) throw err;
      problem = err.message;
    }
    const zaloParams = notice ? Object.entries(notice.zaloParams).map(([name, value]) => ({ name, value })) : [];
    // What the agency sends first (its choice), then the other version, each with what it costs.
    const sms = notice
      ? [
          { label: 'Không dấu', text: notice.smsAscii, chosen: !agency.settings.smsUnicode, otherwise: 'nếu cơ quan chọn gửi tin không dấu' },
          { label: 'Có dấu', text: notice.sms, chosen: agency.settings.smsUnicode, otherwise: 'nếu cơ quan chọn gửi tin có dấu (Unicode)' },
        ]
          .sort((a, b) => Number(b.chosen) - Number(a.chosen))
          .map((v) => ({ label: v.label, text: v.text, note: v.chosen ? 'cơ quan đang gửi bản này' : v.otherwise, cost: smsCost(v.text) }))
      : [];
    page(req, res, 'preview', {
      title: 'Xem trước mẫu thư',
      agencies,
      forms: LETTER_FORMS,
      form,
      agency,
      notice,
      zaloParams,
      sms,
      problem,
      letterTitle: `Thư xin lỗi mẫu của ${agency.name}`,
      letterUrl: `/quan-tri/mau-thu/van-ban?${new URLSearchParams({ mau: form, coQuan: agency.code })}`,
    });
  });
  r.get('/quan-tri/mau-thu/van-ban', async (req, res) => {
    const { form, agency } = await previewChoice(req);
    try {
      sendLetterHtml(res, s.documents.renderLetter(agency.code, sampleLetterData(agency, form, today())).html);
    } catch (err) {
      if (!(err instanceof TemplateError || err instanceof TemplateDataError)) throw err;
      throw new RuleError('template', err.message);
    }
  });
  return r;
}
