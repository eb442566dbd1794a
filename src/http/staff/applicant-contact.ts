/** How staff see whom to call: the applicant's name, phone as written in Vietnam, e-mail and consent. */
import type { Dossier } from '../../db/dossiers';
import { phoneAsWritten } from '../../domain/vn-format';

export interface ApplicantContact {
  name: string;
  phone: string | null;
  phoneHref: string | null;
  email: string | null;
  consent: string;
}

export function applicantContact(d: Dossier): ApplicantContact {
  const channels = [d.consentZalo && 'Zalo', d.consentEmail && 'thư điện tử', d.consentSms && 'tin nhắn SMS'].filter((c): c is string => Boolean(c));
  return {
    name: d.applicantName,
    phone: d.phone === null ? null : phoneAsWritten(d.phone),
    phoneHref: d.phone === null ? null : `tel:${d.phone.replace(/[^\d+]/g, '')}`,
    email: d.email,
    consent: channels.length ? `Đồng ý nhận tin qua: ${channels.join(', ')}` : 'Chưa đồng ý nhận tin qua Zalo, thư điện tử hay SMS',
  };
}
