import { dossierBatchSchema, eventBatchSchema } from './batches';
import { z } from 'zod';
import {
  agencyPatchSchema,
  agencySchema,
  calendarEntriesSchema,
  createDossierSchema,
  dueQuery,
  eventSchema,
  listDossiersQuery,
  procedurePatchSchema,
  procedureSchema,
  draftApologySchema,
  cancelApologySchema,
  returnApologySchema,
  reviseApologySchema,
  listApologiesQuery,
  agencyQuery,
  atRiskQuery,
  listMessagesQuery,
} from './schemas';
import { complianceReportQuery, overdueReportQuery, periodReportQuery, publicBoardQuery } from './reports';
import { disagreementsQuery, mappingSchema, refusalsQuery, secretSchema, sourcePatchSchema, sourceSchema } from './interop';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

interface Operation {
  method: Method;
  path: string;
  summary: string;
  body?: z.ZodType;
  query?: z.ZodObject;
  ok: number;
  /** The success answer's JSON schema, where documented. */
  response?: Record<string, unknown>;
  /** Served without a token. */
  open?: boolean;
}

const APOLOGY_STATUS = { type: 'string', enum: ['draft', 'issued', 'cancelled'] };
const WAITING_FOR = { type: ['string', 'null'], enum: ['leader', 'agency', null] };

/** A body of `mediaType` with this JSON schema, as requests and responses declare it. */
function content(schema: Record<string, unknown>, mediaType = 'application/json'): Record<string, unknown> {
  return { content: { [mediaType]: { schema } } };
}

/** Where the letter's two digital signatures stand (null before the first approval). */
const SIGNING_STATE = {
  type: ['object', 'null'],
  description:
    'Chữ ký số của thư. waiting: đang chờ ký (waitingFor = leader: chờ lãnh đạo xác nhận ký số từ xa hoặc hệ thống quản lý văn bản gửi lại bản đã ký; agency: lãnh đạo đã ký, chờ chữ ký của cơ quan khi ban hành) — thư chưa ban hành, chưa gửi gì cho người dân; signed: đã ký số 2 lớp và ban hành; returned: trả lại lãnh đạo (reason: lý do, ví dụ từ chối ký, hết hạn, chứng thư hết hạn) — bản nháp, phê duyệt lại để ký lại; unsigned: ban hành không ký số (reason: vì sao).',
  properties: {
    state: { type: 'string', enum: ['waiting', 'signed', 'returned', 'unsigned'] },
    stateLabel: { type: 'string', examples: ['Chờ ký số'] },
    waitingFor: WAITING_FOR,
    reason: { type: ['string', 'null'], description: 'Lý do trả lại / không ký số, hoặc lỗi tạm thời đang được thử lại khi state = waiting' },
    verificationCode: { type: ['string', 'null'], description: 'Mã xác thực in trên thư (kiểm tra tại /xac-thuc), khi đã ký', examples: ['K7QX-9M2P-AB'] },
  },
  required: ['state', 'stateLabel', 'waitingFor', 'reason', 'verificationCode'],
};

const AT_RISK = {
  type: 'object',
  properties: {
    total: { type: 'integer' },
    items: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          dossierCode: { type: 'string' },
          agencyCode: { type: 'string' },
          applicantName: { type: 'string' },
          currentDueAt: { type: 'string', format: 'date-time' },
          overdue: { type: 'boolean' },
          urgent: { type: 'boolean', description: 'Cần xử lý ngay (kể cả thư chờ ký số đã chờ quá lâu so với hạn)' },
          apology: {
            type: ['object', 'null'],
            description: 'Thư xin lỗi của thời hạn hiện tại, nếu có',
            properties: {
              id: { type: 'integer' },
              status: APOLOGY_STATUS,
              signatureWaitingFor: {
                ...WAITING_FOR,
                description: 'Thư đang chờ chữ ký số của ai: leader — lãnh đạo (xác nhận ký số từ xa hoặc hệ thống quản lý văn bản); agency — cơ quan khi ban hành (chờ xác nhận ký số từ xa của cơ quan, hoặc chữ ký của cơ quan đang lỗi và được thử lại); null — không chờ',
              },
              signatureWaitingSince: { type: ['string', 'null'], format: 'date-time', description: 'Chờ từ lúc nào (lãnh đạo phê duyệt, hoặc lãnh đạo đã ký khi chờ cơ quan)' },
            },
          },
          escalated: { type: 'boolean' },
        },
      },
    },
  },
};

const APOLOGY = {
  type: 'object',
  description: 'Một thư xin lỗi (các trường chính)',
  properties: {
    id: { type: 'integer' },
    dossierCode: { type: 'string' },
    status: APOLOGY_STATUS,
    statusLabel: { type: 'string' },
    letterNumber: { type: ['string', 'null'] },
    issuedAt: { type: ['string', 'null'], format: 'date-time' },
    notices: { type: 'array', items: { type: 'object' } },
    signing: SIGNING_STATE,
    returned: {
      type: ['object', 'null'],
      description: 'Bản nháp lãnh đạo đã trả lại người soạn, chưa sửa (null nếu không)',
      properties: { at: { type: 'string', format: 'date-time' }, by: { type: 'string' }, comment: { type: 'string' } },
    },
  },
};

// The request schemas are the same zod objects the routes validate with, so the document cannot
// drift from what the API accepts; a test checks that every route appears here and vice versa.
const OPERATIONS: Operation[] = [
  { method: 'get', path: '/agencies', summary: 'Danh sách cơ quan', ok: 200 },
  { method: 'post', path: '/agencies', summary: 'Thêm cơ quan', body: agencySchema, ok: 201 },
  { method: 'get', path: '/agencies/{code}', summary: 'Một cơ quan', ok: 200 },
  { method: 'patch', path: '/agencies/{code}', summary: 'Sửa cơ quan (chỉ các trường gửi lên)', body: agencyPatchSchema, ok: 200 },
  { method: 'delete', path: '/agencies/{code}', summary: 'Xoá cơ quan chưa có hồ sơ', ok: 204 },
  { method: 'get', path: '/procedures', summary: 'Danh sách thủ tục', ok: 200 },
  { method: 'post', path: '/procedures', summary: 'Thêm thủ tục', body: procedureSchema, ok: 201 },
  { method: 'get', path: '/procedures/{code}', summary: 'Một thủ tục', ok: 200 },
  { method: 'patch', path: '/procedures/{code}', summary: 'Sửa thủ tục', body: procedurePatchSchema, ok: 200 },
  { method: 'delete', path: '/procedures/{code}', summary: 'Xoá thủ tục chưa có hồ sơ', ok: 204 },
  {
    method: 'post',
    path: '/dossiers',
    summary: 'Tiếp nhận hồ sơ (gửi lại cùng mã, cùng nội dung trả về hồ sơ đã có; khác nội dung: 409)',
    body: createDossierSchema,
    ok: 201,
  },
  { method: 'get', path: '/dossiers', summary: 'Tìm và lọc hồ sơ', query: listDossiersQuery, ok: 200 },
  { method: 'get', path: '/dossiers/{code}', summary: 'Một hồ sơ (mã có "/" phải được mã hoá %2F)', ok: 200 },
  { method: 'get', path: '/dossiers/{code}/events', summary: 'Lịch sử hồ sơ và các lần tạm dừng', ok: 200 },
  { method: 'post', path: '/dossiers/{code}/events', summary: 'Ghi nhận sự kiện (bổ sung, có kết quả, trả kết quả, rút, từ chối…)', body: eventSchema, ok: 201 },
  { method: 'post', path: '/dossier-batches', summary: 'Tiếp nhận nhiều hồ sơ một lần (đồng bộ từ hệ thống một cửa): mỗi hồ sơ được kiểm tra và trả lời như POST /dossiers', body: dossierBatchSchema, ok: 200 },
  { method: 'post', path: '/event-batches', summary: 'Ghi nhận sự kiện của nhiều hồ sơ một lần: mỗi sự kiện được kiểm tra và trả lời như POST /dossiers/{code}/events', body: eventBatchSchema, ok: 200 },
  { method: 'get', path: '/calendar/due', summary: 'Tính hạn giải quyết từ một thời điểm', query: dueQuery, ok: 200 },
  { method: 'get', path: '/calendar/{year}', summary: 'Các ngày nghỉ, ngày làm bù của một năm và nguồn của từng ngày', ok: 200 },
  {
    method: 'post',
    path: '/calendar/entries',
    summary: 'Nhập quyết định nghỉ lễ / làm bù hoặc lịch riêng của cơ quan; tính lại hạn hồ sơ đang mở',
    body: calendarEntriesSchema,
    ok: 201,
  },
  { method: 'delete', path: '/calendar/entries/{id}', summary: 'Bỏ một ngày đã nhập; tính lại hạn hồ sơ đang mở', ok: 200 },
  { method: 'get', path: '/dossiers/{code}/apologies/proposal', summary: 'Đề xuất ngày hẹn mới, các lý do thường dùng, và hồ sơ có được hẹn lại không', ok: 200 },
  { method: 'post', path: '/dossiers/{code}/apologies', summary: 'Soạn thư xin lỗi và hẹn lại (bản nháp chờ lãnh đạo duyệt)', body: draftApologySchema, ok: 201 },
  { method: 'get', path: '/apologies', summary: 'Danh sách thư xin lỗi (lọc theo cơ quan, trạng thái, đúng hạn / trễ)', query: listApologiesQuery, ok: 200 },
  { method: 'get', path: '/apologies/{id}', summary: 'Một thư xin lỗi, trạng thái ký số và các thông báo đã tạo', ok: 200, response: APOLOGY },
  { method: 'post', path: '/apologies/{id}/approve', summary: 'Lãnh đạo duyệt: ký số lớp lãnh đạo, rồi cấp số, ký số lớp cơ quan, ban hành, dời hạn, tạo thông báo — hoặc chờ ký số (signing.state = waiting) / trả lại (returned, kèm lý do)', ok: 200, response: APOLOGY },
  { method: 'post', path: '/apologies/{id}/cancel', summary: 'Huỷ bản nháp', body: cancelApologySchema, ok: 200 },
  { method: 'post', path: '/apologies/{id}/revise', summary: 'Sửa lý do hoặc ngày hẹn mới của bản nháp (kiểm tra như khi soạn); bản nháp đã trả lại được gửi lại để duyệt', body: reviseApologySchema, ok: 200, response: APOLOGY },
  { method: 'post', path: '/apologies/{id}/return', summary: 'Lãnh đạo trả lại bản nháp cho người soạn kèm ý kiến (không huỷ)', body: returnApologySchema, ok: 200, response: APOLOGY },
  { method: 'get', path: '/apologies/{id}/letter.html', summary: 'Văn bản đã ban hành (HTML, bản in A4)', ok: 200 },
  { method: 'get', path: '/apologies/{id}/letter.pdf', summary: 'Văn bản đã ban hành (PDF)', ok: 200 },
  { method: 'get', path: '/apologies/{id}/letter-to-sign.pdf', summary: 'Bản thư đã phê duyệt, chưa ký (cho hệ thống quản lý văn bản ký số)', ok: 200 },
  { method: 'post', path: '/apologies/{id}/signed-letter', summary: 'Nhận bản thư đã ký số từ hệ thống quản lý văn bản (application/pdf); kiểm tra rồi ban hành', ok: 200, response: APOLOGY },
  { method: 'get', path: '/at-risk', summary: 'Hồ sơ sắp đến hạn hoặc quá hạn chưa được xin lỗi (enteredSince: chỉ hồ sơ mới vào danh sách sau thời điểm đó)', query: atRiskQuery, ok: 200, response: AT_RISK },
  { method: 'get', path: '/escalations', summary: 'Hồ sơ trễ cả ngày hẹn lại, đã báo cáo cấp trên', query: agencyQuery, ok: 200 },
  { method: 'get', path: '/messages', summary: 'Tin nhắn gửi người dân và cán bộ (lọc theo trạng thái, kênh, cơ quan)', query: listMessagesQuery, ok: 200 },
  { method: 'get', path: '/messages/{id}', summary: 'Một tin nhắn và từng lần gửi', ok: 200 },
  { method: 'post', path: '/messages/{id}/retry', summary: 'Gửi lại tin nhắn lỗi', ok: 200 },
  { method: 'post', path: '/messages/{id}/cancel', summary: 'Huỷ tin nhắn chưa gửi', ok: 200 },
  { method: 'post', path: '/messages/{id}/called', summary: 'Ghi nhận đã gọi điện / trao thư cho người dân', ok: 200 },
  {
    method: 'get',
    path: '/reports/period',
    summary: 'Báo cáo tình hình giải quyết hồ sơ theo kỳ (cơ quan, thủ tục, lĩnh vực, đơn vị tiếp nhận); JSON, CSV hoặc XLSX',
    query: periodReportQuery,
    ok: 200,
  },
  { method: 'get', path: '/reports/overdue', summary: 'Xếp hạng cơ quan theo số hồ sơ đang giải quyết quá hạn', query: overdueReportQuery, ok: 200 },
  { method: 'get', path: '/reports/apologies', summary: 'Tình hình xin lỗi khi hồ sơ trễ hạn, theo cơ quan', query: complianceReportQuery, ok: 200 },
  {
    method: 'post',
    path: '/interop/DongBoHoSoMC',
    summary:
      'Nguồn liên thông gửi hồ sơ theo định dạng đồng bộ DVCQG (một hồ sơ, một mảng, hoặc {data: [...]}); ngày giờ yyyyMMddHHmmss giờ Việt Nam; trả {error_code, message} (0 = thành công) và kết quả từng hồ sơ',
    ok: 200,
  },
  { method: 'post', path: '/interop/CapNhatTienDoHoSoMC', summary: 'Nguồn liên thông gửi tiến độ xử lý hồ sơ (một bản hoặc một mảng)', ok: 200 },
  { method: 'get', path: '/interop/sources', summary: 'Các nguồn liên thông (hệ thống một cửa) đã cấu hình', ok: 200 },
  { method: 'post', path: '/interop/sources', summary: 'Thêm nguồn liên thông; trả mã truy cập của nguồn một lần', body: sourceSchema, ok: 201 },
  { method: 'get', path: '/interop/sources/{code}', summary: 'Một nguồn liên thông', ok: 200 },
  { method: 'patch', path: '/interop/sources/{code}', summary: 'Sửa nguồn liên thông', body: sourcePatchSchema, ok: 200 },
  { method: 'post', path: '/interop/sources/{code}/token', summary: 'Cấp mã truy cập mới cho nguồn (mã cũ hết hiệu lực ngay)', ok: 201 },
  { method: 'put', path: '/interop/sources/{code}/secret', summary: 'Đặt khoá bí mật dùng chung của nguồn (không bao giờ hiển thị lại)', body: secretSchema, ok: 204 },
  { method: 'get', path: '/interop/sources/{code}/mappings', summary: 'Bảng ánh xạ mã thủ tục (MaTTHC) và mã đơn vị (DonViXuLy) của nguồn', ok: 200 },
  { method: 'put', path: '/interop/sources/{code}/mappings', summary: 'Thêm hoặc sửa một ánh xạ mã', body: mappingSchema, ok: 204 },
  { method: 'delete', path: '/interop/sources/{code}/mappings/{kind}/{theirCode}', summary: 'Bỏ một ánh xạ mã', ok: 204 },
  { method: 'get', path: '/interop/refusals', summary: 'Hồ sơ liên thông bị từ chối, để sửa và gửi lại', query: refusalsQuery, ok: 200 },
  { method: 'post', path: '/interop/refusals/{id}/replay', summary: 'Xử lý lại một hồ sơ bị từ chối (sau khi sửa ánh xạ)', ok: 200 },
  { method: 'get', path: '/interop/disagreements', summary: 'Số hồ sơ có ngày hẹn trả của nguồn khác ngày Hẹn Lại tính, theo thủ tục hoặc cơ quan', query: disagreementsQuery, ok: 200 },
  { method: 'get', path: '/public/apologies', summary: 'Bảng công khai: thư xin lỗi đã ban hành trong N ngày (không cần mã truy cập)', query: publicBoardQuery, ok: 200, open: true },
];

const problem = {
  description: 'Lỗi (RFC 9457 problem+json); `errors` liệt kê từng trường không hợp lệ',
  ...content(
    {
      type: 'object',
      properties: {
        type: { type: 'string' },
        title: { type: 'string' },
        status: { type: 'integer' },
        instance: { type: 'string' },
        errors: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } } },
      },
    },
    'application/problem+json',
  ),
};

function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

export const API_PATHS = OPERATIONS.map((o) => `${o.method.toUpperCase()} ${o.path}`);

let cached: Record<string, unknown> | null = null;

export function openApiDocument(): Record<string, unknown> {
  if (cached) return cached;
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPERATIONS) {
    const params = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    if (op.query) {
      const shape = jsonSchema(op.query) as { properties: Record<string, unknown>; required?: string[] };
      for (const [name, schema] of Object.entries(shape.properties)) {
        params.push({ name, in: 'query', required: shape.required?.includes(name) ?? false, schema: schema as { type: string } });
      }
    }
    paths[op.path] ??= {};
    paths[op.path][op.method] = {
      summary: op.summary,
      parameters: [
        ...params,
        ...(op.method === 'post'
          ? [
              {
                name: 'Idempotency-Key',
                in: 'header',
                required: false,
                description:
                  'Gửi lại yêu cầu với cùng khoá thì nhận lại câu trả lời đã lưu. Khi yêu cầu trước chưa được trả lời (máy chủ bị dừng giữa chừng), câu trả lời là 409 cho đến khi quá IDEMPOTENCY_CLAIM_SECONDS (mặc định 60 giây); sau đó lần gửi lại được xử lý.',
                schema: { type: 'string', maxLength: 255 },
              },
            ]
          : []),
      ],
      ...(op.open ? { security: [] } : {}),
      ...(op.body ? { requestBody: { required: true, ...content(jsonSchema(op.body)) } } : {}),
      responses: {
        [op.ok]: { description: 'Thành công', ...(op.response ? content(op.response) : {}) },
        ...Object.fromEntries(['400', '401', '403', '404', '409', '422'].map((status) => [status, problem])),
      },
    };
  }
  cached = {
    openapi: '3.1.0',
    info: {
      title: 'Hẹn Lại API',
      version: '1',
      description:
        'Theo dõi hạn giải quyết hồ sơ thủ tục hành chính. Thời điểm theo ISO 8601 với múi giờ +07:00. Xác thực: Authorization: Bearer <mã>.',
    },
    servers: [{ url: '/api/v1' }],
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths,
  };
  return cached;
}
