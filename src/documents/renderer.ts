/**
 * Renders the apology letter (Mẫu 04) and the new-appointment notice from Handlebars templates.
 *
 * - Templates live in `templatesDir` (the shipped ones: letters/, notices/, partials/). An agency
 *   replaces any of them, partials included, by putting a file at
 *   `<overridesDir>/<AGENCY_CODE>/<same relative path>`; no code change, and only that agency's
 *   documents change. Files are re-read when their mtime/size changes, so an edited override is
 *   picked up by the next render.
 * - Everything compiles in Handlebars' strict mode on an instance of our own. The data is checked
 *   first (data.ts) and a missing value, in the data or in a field an override refers to, throws
 *   TemplateDataError naming it: `Thiếu dữ liệu "delay.reason" khi dựng mẫu letters/tt03-2025`.
 * - HTML outputs escape (`{{ }}`); text outputs (e-mail text, subject, SMS) compile with
 *   `noEscape`, since they are not HTML. No template puts citizen data through `{{{ }}}`.
 * - `templateVersion` = the first 16 hex digits of sha256 over the name and source of every
 *   template and partial the render used, sorted by name: a changed wording is a new version.
 * - Output is Unicode NFC (data and template sources are normalised before rendering).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { LETTER_FIELDS, NOTICE_FIELDS, prepareData } from './data';
import { TemplateDataError, TemplateError } from './errors';
import { embeddedFontFaceCss } from './fonts';
import { asciiVietnamese, smsText } from './sms';
import type { LetterData, NoticeData, RenderedLetter, RenderedNotice } from './types';
import { shortenAgencyName, zaloParams } from './zalo';

/**
 * The templates/ folder shipped with the service: letters and notices, and the pages' views and
 * static files. It sits beside package.json, found from here: the code runs from src/ (tsx) or
 * from dist/src/ (compiled, production), two depths that a fixed `../..` cannot both reach.
 */
export const TEMPLATES_DIR = path.join(packageRoot(__dirname), 'templates');

function packageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}: the shipped templates cannot be found`);
  }
}

export interface DocumentRendererOptions {
  /** The shipped templates (the repository's templates/). */
  templatesDir: string;
  /** Per-agency overrides: `<overridesDir>/<AGENCY_CODE>/letters/tt03-2025.hbs`, `…/partials/signature.hbs`, … */
  overridesDir?: string | null;
}

/** html: `{{ }}` escapes for HTML; text: nothing is escaped (e-mail text, subject, SMS). */
type Mode = 'html' | 'text';

interface SourceFile {
  /** Relative name, e.g. "letters/tt03-2025.hbs". */
  name: string;
  file: string;
  stamp: string;
  source: string;
  lines: string[];
  ast: hbs.AST.Program;
  /** Partials this file refers to by a static name. */
  partialRefs: string[];
  /** Inline partials it defines ({{#*inline "x"}}). */
  inlineDefs: string[];
  compiled: Partial<Record<Mode, Handlebars.TemplateDelegate>>;
}

interface Bundle {
  signature: string;
  template: Handlebars.TemplateDelegate;
  partials: Record<string, Handlebars.TemplateDelegate>;
  version: string;
  files: SourceFile[];
}

/** Tag set on an error thrown inside a partial: which file it came from (the innermost wins). */
const ORIGIN = Symbol('henlai.templateOrigin');

/** Thrown by our helpers when a parameter is missing; carries the helper call's location. */
class HelperValueMissing extends Error {
  constructor(
    readonly helper: string,
    readonly loc: hbs.AST.SourceLocation | undefined,
  ) {
    super(`helper ${helper}: missing value`);
  }
}

const AGENCY_CODE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const FORM_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;

function helperArg(name: string, value: unknown, options: Handlebars.HelperOptions): string {
  if (value === undefined || value === null) throw new HelperValueMissing(name, (options as { loc?: hbs.AST.SourceLocation }).loc);
  return String(value);
}

/** Static partial names referred to and inline partials defined in a parsed template. */
function scanPartials(ast: hbs.AST.Program): { refs: string[]; inline: string[] } {
  const refs = new Set<string>();
  const inline = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    if (!node || typeof node !== 'object') return;
    const n = node as { type?: string; name?: { type?: string; original?: unknown }; path?: { original?: unknown }; params?: Array<{ value?: unknown }> };
    if ((n.type === 'PartialStatement' || n.type === 'PartialBlockStatement') && n.name?.type === 'PathExpression') {
      refs.add(String(n.name.original));
    }
    if (n.type === 'DecoratorBlock' && n.path?.original === 'inline' && typeof n.params?.[0]?.value === 'string') {
      inline.add(n.params[0].value as string);
    }
    for (const [k, v] of Object.entries(node)) {
      if (k !== 'loc' && v && typeof v === 'object') visit(v);
    }
  };
  visit(ast);
  return { refs: [...refs].filter((r) => r !== '@partial-block'), inline: [...inline] };
}

/** The expression text starting at (line, column) of a template, e.g. "delay.reason". */
function pathAt(lines: string[], line: number | undefined, column: number | undefined): string | null {
  if (!line || column === undefined) return null;
  const text = lines[line - 1];
  if (text === undefined) return null;
  const m = /^[@A-Za-z0-9_$./[\]-]+/.exec(text.slice(column));
  return m ? m[0] : null;
}

/** The first parameter of a helper call found at `loc`: "{{upper issuer.name}}" → "issuer.name". */
function helperParamAt(lines: string[], loc: hbs.AST.SourceLocation | undefined, helper: string): string | null {
  if (!loc) return null;
  const text = lines[loc.start.line - 1];
  if (text === undefined) return null;
  const rest = text.slice(loc.start.column);
  const m = new RegExp(`${helper}\\s+([@A-Za-z0-9_$.\\/\\[\\]-]+)`).exec(rest);
  return m ? m[1] : null;
}

export class DocumentRenderer {
  private readonly templatesDir: string;
  private readonly overridesDir: string | null;
  private readonly hb = Handlebars.create();
  /** Parsed sources by absolute file path, re-read when the file's stamp changes. */
  private readonly files = new Map<string, SourceFile>();
  /** Ready-to-run templates by agency, template and mode, valid while the signature holds. */
  private readonly bundles = new Map<string, Bundle>();
  private readonly paths = new Map<string, string[]>();
  private readonly noticeVersions = new Map<string, string>();

  constructor(options: DocumentRendererOptions) {
    this.templatesDir = path.resolve(options.templatesDir);
    this.overridesDir = options.overridesDir ? path.resolve(options.overridesDir) : null;
    this.registerHelpers();
  }

  renderLetter(agencyCode: string, data: LetterData): RenderedLetter {
    const form = data?.form;
    const name = `letters/${String(form)}`;
    if (typeof form !== 'string' || !FORM_NAME.test(form)) {
      throw new TemplateDataError('form', name, `Dữ liệu "form" không hợp lệ (${String(form)}) khi dựng văn bản xin lỗi`);
    }
    // A letter of an agency that does not sign has no verification mark (the partial skips it).
    const prepared = prepareData({ ...data, verification: data.verification ?? null }, LETTER_FIELDS, name);
    const bundle = this.bundle(agencyCode, `${name}.hbs`, 'html');
    let html = this.run(bundle, prepared.data, name);
    if (prepared.needsOutputNfc) html = html.normalize('NFC');
    return { html, templateVersion: bundle.version };
  }

  renderNotice(agencyCode: string, data: NoticeData): RenderedNotice {
    const prepared = prepareData(data, NOTICE_FIELDS, 'notices');
    const d = prepared.data;
    if (!/^https?:\/\/\S+$/i.test(d.link)) {
      throw new TemplateDataError('link', 'notices', `Dữ liệu "link" phải là một địa chỉ http(s) (nhận được "${d.link}")`);
    }
    const view = { ...d, agencyShortName: shortenAgencyName(d.agencyName, d.agencyShortName) };
    const parts = {
      subject: this.bundle(agencyCode, 'notices/email-subject.hbs', 'text'),
      html: this.bundle(agencyCode, 'notices/email.html.hbs', 'html'),
      text: this.bundle(agencyCode, 'notices/email.txt.hbs', 'text'),
      sms: this.bundle(agencyCode, 'notices/sms.hbs', 'text'),
    };
    const nfc = (s: string) => (prepared.needsOutputNfc ? s.normalize('NFC') : s);
    const emailSubject = nfc(this.run(parts.subject, view, 'notices/email-subject')).replace(/\s+/g, ' ').trim();
    const emailHtml = nfc(this.run(parts.html, view, 'notices/email.html'));
    const emailText = nfc(this.run(parts.text, view, 'notices/email.txt'))
      .replace(/[ \t]+$/gm, '')
      .replace(/\n{3,}/g, '\n\n')
      .trim();
    const smsBody = nfc(this.run(parts.sms, view, 'notices/sms')).replace(/\s+/g, ' ').trim();
    const signature = `${parts.subject.signature}\n${parts.html.signature}\n${parts.text.signature}\n${parts.sms.signature}`;
    let templateVersion = this.noticeVersions.get(signature);
    if (!templateVersion) {
      const all = new Map<string, SourceFile>();
      for (const b of Object.values(parts)) for (const f of b.files) all.set(f.name, f);
      templateVersion = versionOf([...all.values()]);
      if (this.noticeVersions.size > 1000) this.noticeVersions.clear();
      this.noticeVersions.set(signature, templateVersion);
    }
    return {
      emailSubject,
      emailHtml,
      emailText: `${emailText}\n`,
      zaloParams: zaloParams(d),
      sms: smsText(smsBody),
      smsAscii: smsText(asciiVietnamese(smsBody)),
      templateVersion,
    };
  }

  /**
   * For benchmarks and diagnostics: the bare compiled template `name` ("letters/tt03-2025") with
   * this agency's partials, as a function of the data. No data check, no NFC, no error mapping.
   */
  bareTemplate(agencyCode: string, name: string, mode: Mode = 'html'): (context: unknown) => string {
    const bundle = this.bundle(agencyCode, `${name}.hbs`, mode);
    return (context) => bundle.template(context, { partials: bundle.partials });
  }

  // ---------------------------------------------------------------------------------------------

  private registerHelpers(): void {
    // Upper case for the header and signature lines (Vietnamese: "đ" → "Đ", "ư" → "Ư").
    this.hb.registerHelper('upper', function (this: unknown, value: unknown, options: Handlebars.HelperOptions) {
      return helperArg('upper', value, options).toLocaleUpperCase('vi');
    });
    // A sentence that ends with exactly one full stop: "Thiếu hồ sơ" / "Thiếu hồ sơ." → "Thiếu hồ sơ."
    this.hb.registerHelper('sentence', function (this: unknown, value: unknown, options: Handlebars.HelperOptions) {
      const s = helperArg('sentence', value, options).trim();
      return /[.!?…]$/u.test(s) ? s : `${s}.`;
    });
    // The embedded Tinos @font-face rules: fixed CSS from the font package, never data.
    this.hb.registerHelper('embeddedFonts', () => new this.hb.SafeString(embeddedFontFaceCss()));
  }

  /** The file an agency uses for `name`: its override if there is one, else the shipped one. */
  private resolve(agencyCode: string, name: string, forTemplate: string): SourceFile {
    const found = this.tryResolve(agencyCode, name);
    if (!found) throw new TemplateError(forTemplate, `Không tìm thấy mẫu "${name}" (đơn vị ${agencyCode}) khi dựng ${forTemplate}`);
    return found;
  }

  /** Where to look for `name`, most specific first (cached: path.join is not free at 10,000 renders/s). */
  private candidates(agencyCode: string, name: string): string[] {
    const key = `${agencyCode}\0${name}`;
    let list = this.paths.get(key);
    if (!list) {
      list = this.overridesDir ? [path.join(this.overridesDir, agencyCode, name), path.join(this.templatesDir, name)] : [path.join(this.templatesDir, name)];
      this.paths.set(key, list);
    }
    return list;
  }

  private tryResolve(agencyCode: string, name: string): SourceFile | null {
    for (const file of this.candidates(agencyCode, name)) {
      const st = fs.statSync(file, { throwIfNoEntry: false });
      if (!st || !st.isFile()) continue;
      const stamp = `${st.mtimeMs}:${st.size}:${st.ino}`;
      const known = this.files.get(file);
      if (known && known.stamp === stamp) return known;
      const loaded = this.load(file, name, stamp);
      this.files.set(file, loaded);
      return loaded;
    }
    return null;
  }

  private load(file: string, name: string, stamp: string): SourceFile {
    const source = fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '').normalize('NFC');
    let ast: hbs.AST.Program;
    try {
      ast = Handlebars.parse(source);
    } catch (e) {
      throw new TemplateError(name, `Mẫu "${file}" có lỗi cú pháp: ${(e as Error).message}`);
    }
    const { refs, inline } = scanPartials(ast);
    return { name, file, stamp, source, lines: source.split('\n'), ast, partialRefs: refs, inlineDefs: inline, compiled: {} };
  }

  private compiled(f: SourceFile, mode: Mode): Handlebars.TemplateDelegate {
    let t = f.compiled[mode];
    if (!t) {
      t = this.hb.compile(f.ast, { strict: true, noEscape: mode === 'text' });
      f.compiled[mode] = t;
    }
    return t;
  }

  /** The template `name` with every partial it needs, for this agency; rebuilt only when a file changed. */
  private bundle(agencyCode: string, name: string, mode: Mode): Bundle {
    if (typeof agencyCode !== 'string' || !AGENCY_CODE.test(agencyCode)) {
      throw new TemplateError(name, `Mã đơn vị không hợp lệ: ${JSON.stringify(agencyCode)}`);
    }
    const forTemplate = name.replace(/\.hbs$/, '');
    const main = this.resolve(agencyCode, name, forTemplate);
    const partials = new Map<string, SourceFile>();
    const inline = new Set<string>(main.inlineDefs);
    const pending = [...main.partialRefs];
    const unresolved = new Set<string>();
    while (pending.length) {
      const ref = pending.pop() as string;
      // An inline partial ({{#*inline "you"}}) of the main template shadows any file of that name.
      if (partials.has(ref) || unresolved.has(ref) || main.inlineDefs.includes(ref)) continue;
      const f = this.tryResolve(agencyCode, `partials/${ref}.hbs`);
      if (!f) {
        unresolved.add(ref);
        continue;
      }
      partials.set(ref, f);
      f.inlineDefs.forEach((d) => inline.add(d));
      pending.push(...f.partialRefs);
    }
    for (const ref of unresolved) {
      if (!inline.has(ref)) {
        throw new TemplateError(forTemplate, `Không tìm thấy partial "${ref}" (partials/${ref}.hbs) mà mẫu ${forTemplate} dùng (đơn vị ${agencyCode})`);
      }
    }
    const files = [main, ...partials.values()];
    const signature = files.map((f) => `${f.file}\0${f.stamp}`).join('\0');
    const key = `${agencyCode}\0${name}\0${mode}`;
    const cached = this.bundles.get(key);
    if (cached && cached.signature === signature) return cached;

    const runtimePartials: Record<string, Handlebars.TemplateDelegate> = {};
    for (const [ref, f] of partials) {
      const fn = this.compiled(f, mode);
      runtimePartials[ref] = ((context: unknown, options?: Handlebars.RuntimeOptions) => {
        try {
          return fn(context, options);
        } catch (e) {
          if (e && typeof e === 'object' && !(ORIGIN in e)) (e as Record<symbol, SourceFile>)[ORIGIN] = f;
          throw e;
        }
      }) as Handlebars.TemplateDelegate;
    }
    const bundle: Bundle = { signature, template: this.compiled(main, mode), partials: runtimePartials, version: versionOf(files), files };
    this.bundles.set(key, bundle);
    return bundle;
  }

  private run(bundle: Bundle, context: unknown, templateName: string): string {
    try {
      return bundle.template(context, { partials: bundle.partials });
    } catch (e) {
      throw this.explain(e, bundle, templateName);
    }
  }

  /** Turns Handlebars' terse runtime errors into one that names the field and the template. */
  private explain(e: unknown, bundle: Bundle, templateName: string): Error {
    if (e instanceof TemplateDataError || e instanceof TemplateError) return e;
    const tagged = e && typeof e === 'object' ? (e as Record<symbol, SourceFile | undefined>)[ORIGIN] : undefined;
    const origin: SourceFile = tagged ?? bundle.files[0];
    const where = origin === bundle.files[0] ? '' : ` (trong ${origin.name})`;
    if (e instanceof HelperValueMissing) {
      const field = helperParamAt(origin.lines, e.loc, e.helper) ?? `tham số của ${e.helper}`;
      const line = e.loc ? `${origin.name}, dòng ${e.loc.start.line}` : origin.name;
      return new TemplateDataError(field, templateName, `Thiếu dữ liệu "${field}" khi dựng mẫu ${templateName} (${line})`);
    }
    const err = e as Error & { lineNumber?: number; column?: number };
    const message = String(err?.message ?? e);
    const notDefined = /^"([^"]+)" not defined in/.exec(message);
    if (notDefined) {
      const field = pathAt(origin.lines, err.lineNumber, err.column) ?? notDefined[1];
      const line = err.lineNumber ? `${origin.name}, dòng ${err.lineNumber}` : origin.name;
      return new TemplateDataError(field, templateName, `Thiếu dữ liệu "${field}" khi dựng mẫu ${templateName} (${line})`);
    }
    const reading = /Cannot read properties of (?:undefined|null) \(reading '([^']+)'\)/.exec(message);
    if (reading) {
      return new TemplateDataError(reading[1], templateName, `Thiếu dữ liệu chứa "${reading[1]}" khi dựng mẫu ${templateName}${where}`);
    }
    const partial = /The partial (.+) could not be found/.exec(message);
    if (partial) return new TemplateError(templateName, `Không tìm thấy partial "${partial[1]}" khi dựng mẫu ${templateName}${where}`);
    const wrapped = new TemplateError(templateName, `Lỗi khi dựng mẫu ${templateName}${where}: ${message}`);
    (wrapped as Error & { cause?: unknown }).cause = e;
    return wrapped;
  }
}

/** First 16 hex digits of sha256 over (name, source) of each file, sorted by name. */
function versionOf(files: SourceFile[]): string {
  const h = crypto.createHash('sha256');
  for (const f of [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    h.update(f.name);
    h.update('\0');
    h.update(f.source);
    h.update('\0');
  }
  return h.digest('hex').slice(0, 16);
}
