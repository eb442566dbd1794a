/**
 * Before a template sees the data: every string to Unicode NFC (domain.md: Vietnamese text is
 * stored and compared in NFC, and an NFD name from a pasted form must not reach the letter), and
 * every field the documents need checked present and not blank, so that the error names the
 * field ("delay.reason") rather than leaving a gap in a letter. Handlebars' strict mode is the
 * second net, for fields an agency's own override template refers to.
 */
import { TemplateDataError } from './errors';

/**
 * text: a non-blank string · text-or-empty: a string, '' allowed · nullable: a non-blank string
 * or null · list: an array of non-blank strings (may be empty).
 */
export type FieldKind = 'text' | 'text-or-empty' | 'nullable' | 'list';

export const LETTER_FIELDS: Readonly<Record<string, FieldKind>> = {
  form: 'text',
  'issuer.parentName': 'text-or-empty',
  'issuer.name': 'text',
  'issuer.letterNumber': 'text',
  placeDateLine: 'text',
  'addressee.salutation': 'text-or-empty',
  'addressee.name': 'text',
  'addressee.address': 'nullable',
  'addressee.phone': 'nullable',
  'addressee.onBehalfOf': 'nullable',
  'dossier.code': 'text',
  'dossier.procedureName': 'text',
  'dossier.acceptedAt': 'text',
  'dossier.originalDue': 'text',
  'delay.responsibleUnit': 'text',
  'delay.reason': 'text',
  'delay.newDue': 'text',
  'delay.returnPlace': 'text',
  'signature.onBehalf': 'nullable',
  'signature.title': 'text',
  'signature.name': 'text',
  recipients: 'list',
  archive: 'text',
};

export const NOTICE_FIELDS: Readonly<Record<string, FieldKind>> = {
  agencyName: 'text',
  recipientName: 'text',
  dossierCode: 'text',
  procedureName: 'text',
  oldDue: 'text',
  newDue: 'text',
  reason: 'text',
  returnPlace: 'text',
  link: 'text',
  letterNumber: 'text',
};

export interface Prepared<T> {
  data: T;
  /**
   * True when some string starts with a combining mark: gluing it after template text could
   * form a sequence that is not NFC, so the rendered output must be normalised as a whole.
   */
  needsOutputNfc: boolean;
}

const STARTS_WITH_MARK = /^\p{M}/u;

interface CompiledField {
  field: string;
  parts: string[];
  kind: FieldKind;
}
const compiledSpecs = new WeakMap<object, CompiledField[]>();

function compileSpec(spec: Readonly<Record<string, FieldKind>>): CompiledField[] {
  let fields = compiledSpecs.get(spec);
  if (!fields) {
    fields = Object.entries(spec).map(([field, kind]) => ({ field, parts: field.split('.'), kind }));
    compiledSpecs.set(spec, fields);
  }
  return fields;
}

/**
 * A deep copy with every string in NFC and `undefined` members left out (so that strict
 * templates report them as missing instead of printing nothing).
 */
function normalise(value: unknown, flags: { mark: boolean }): unknown {
  if (typeof value === 'string') {
    const s = value.normalize('NFC');
    // Combining marks start at U+0300; test the (slower) property regex only above that.
    if (s.charCodeAt(0) >= 0x300 && STARTS_WITH_MARK.test(s)) flags.mark = true;
    return s;
  }
  if (Array.isArray(value)) {
    const out: unknown[] = new Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = normalise(value[i], flags);
    return out;
  }
  if (value !== null && typeof value === 'object') {
    const src = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const k in src) {
      if (!Object.prototype.hasOwnProperty.call(src, k)) continue;
      const v = src[k];
      if (v !== undefined) out[k] = normalise(v, flags);
    }
    return out;
  }
  return value;
}

const NOT_FOUND = Symbol('not found');

function lookup(root: unknown, parts: string[]): unknown {
  let cur: unknown = root;
  for (const part of parts) {
    if (cur === null || typeof cur !== 'object' || !Object.prototype.hasOwnProperty.call(cur, part)) return NOT_FOUND;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

const isBlank = (s: string) => s.trim() === '';

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'một mảng';
  return typeof v;
}

type Problem = 'missing' | 'blank' | 'not-text' | 'not-text-or-empty' | 'not-nullable-text' | 'not-list';

function check(kind: FieldKind, value: unknown): Problem | null {
  if (value === NOT_FOUND) return 'missing';
  switch (kind) {
    case 'text':
      if (typeof value !== 'string') return value === null ? 'missing' : 'not-text';
      return isBlank(value) ? 'blank' : null;
    case 'text-or-empty':
      if (typeof value !== 'string') return value === null ? 'missing' : 'not-text-or-empty';
      return null;
    case 'nullable':
      if (value === null) return null;
      if (typeof value !== 'string') return 'not-nullable-text';
      return isBlank(value) ? 'blank' : null;
    case 'list':
      return Array.isArray(value) ? null : 'not-list';
  }
}

const WANT: Record<string, string> = {
  'not-text': 'chuỗi ký tự',
  'not-text-or-empty': "chuỗi ký tự (có thể là '')",
  'not-nullable-text': 'chuỗi ký tự hoặc null',
  'not-list': 'một mảng chuỗi ký tự',
};

function fieldError(problem: Problem, field: string, template: string, value: unknown): TemplateDataError {
  if (problem === 'missing') return new TemplateDataError(field, template, `Thiếu dữ liệu "${field}" khi dựng mẫu ${template}`);
  if (problem === 'blank') return new TemplateDataError(field, template, `Dữ liệu "${field}" để trống khi dựng mẫu ${template}`);
  return new TemplateDataError(field, template, `Dữ liệu "${field}" phải là ${WANT[problem]} (nhận được ${describe(value)}) khi dựng mẫu ${template}`);
}

/** Normalise `input` and check the fields of `spec`; throws TemplateDataError naming the first bad field. */
export function prepareData<T>(input: T, spec: Readonly<Record<string, FieldKind>>, template: string): Prepared<T> {
  if (input === null || typeof input !== 'object') {
    throw new TemplateDataError('(dữ liệu)', template, `Không có dữ liệu khi dựng mẫu ${template}`);
  }
  const flags = { mark: false };
  const data = normalise(input, flags) as T;
  for (const { field, parts, kind } of compileSpec(spec)) {
    const value = lookup(data, parts);
    if (kind === 'text' && typeof value === 'string' && !isBlank(value)) continue; // the usual case, fast
    const problem = check(kind, value);
    if (problem) throw fieldError(problem, field, template, value);
    if (kind === 'list') {
      (value as unknown[]).forEach((item, i) => {
        const p = typeof item !== 'string' ? 'not-text' : isBlank(item) ? 'blank' : null;
        if (p) throw fieldError(p, `${field}.${i}`, template, item);
      });
    }
  }
  return { data, needsOutputNfc: flags.mark };
}
