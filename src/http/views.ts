/**
 * Server-rendered pages: `templates/views/<name>.hbs` inside `templates/views/layouts/<layout>.hbs`,
 * with `templates/views/partials/*.hbs` available everywhere.
 *
 * Pages compile in Handlebars' default (non-strict) mode, unlike letters: a page legitimately
 * shows optional values (no e-mail, no apology yet) and a blank there is visible in the browser
 * tests, whereas a blank in a signed letter would go out to a citizen. `{{ }}` escapes; the
 * views never use `{{{ }}}` on anything a user typed.
 */
import fs from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { localDayOf } from '../domain/time';
import { formatNumber, shortDate, shortInstant, weekdayDate } from '../domain/vn-format';

export interface PageData {
  title: string;
  [key: string]: unknown;
}

export class ViewRenderer {
  private readonly hbs = Handlebars.create();
  private readonly views = new Map<string, Handlebars.TemplateDelegate>();
  private readonly layouts = new Map<string, Handlebars.TemplateDelegate>();

  private readonly inlineCss: Handlebars.SafeString;

  /** `inlineCss`: our own stylesheet, for the layouts that carry it inline (src/http/page-style.ts). */
  constructor(dir: string, inlineCss = '') {
    this.inlineCss = new Handlebars.SafeString(inlineCss);
    registerHelpers(this.hbs);
    for (const file of listHbs(path.join(dir, 'partials'))) {
      this.hbs.registerPartial(path.basename(file, '.hbs'), read(file));
    }
    for (const file of listHbs(path.join(dir, 'layouts'))) {
      this.layouts.set(path.basename(file, '.hbs'), this.hbs.compile(read(file)));
    }
    for (const file of listHbs(dir, true)) {
      const rel = path.relative(dir, file).replace(/\\/g, '/').replace(/\.hbs$/, '');
      if (rel.startsWith('partials/') || rel.startsWith('layouts/')) continue;
      this.views.set(rel, this.hbs.compile(read(file)));
    }
  }

  has(view: string): boolean {
    return this.views.has(view);
  }

  /** The page as a complete HTML document, NFC like everything a user reads. */
  render(view: string, data: PageData, layout = 'staff'): string {
    const template = this.views.get(view);
    if (!template) throw new Error(`No view templates/views/${view}.hbs`);
    const frame = this.layouts.get(layout);
    if (!frame) throw new Error(`No layout templates/views/layouts/${layout}.hbs`);
    const body = template(data);
    return frame({ ...data, body: new Handlebars.SafeString(body), inlineCss: this.inlineCss }).normalize('NFC');
  }
}

/**
 * Markup this service produced with its own escaping templates (an issued letter's content), to be
 * placed in a page as it is. Making it a value, not a `{{{ }}}` in a view, keeps the one decision
 * to trust markup in code, where a reader sees where it comes from.
 */
export function producedMarkup(html: string): Handlebars.SafeString {
  return new Handlebars.SafeString(html);
}

function read(file: string): string {
  return fs.readFileSync(file, 'utf8').normalize('NFC');
}

function listHbs(dir: string, recursive = false): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive })
    .filter((e) => e.isFile() && e.name.endsWith('.hbs'))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

const asDate = (v: unknown): Date | null => (typeof v === 'number' ? new Date(v) : v instanceof Date ? v : null);

/** The few formatting helpers pages need; everything else is prepared by the route. */
function registerHelpers(hbs: typeof Handlebars): void {
  // dd/mm/yyyy of an instant (ms) in Vietnam time.
  hbs.registerHelper('date', (v: unknown) => {
    const d = asDate(v);
    return d ? shortDate(localDayOf(d)) : '';
  });
  hbs.registerHelper('weekdayDate', (v: unknown) => {
    const d = asDate(v);
    return d ? weekdayDate(localDayOf(d)) : '';
  });
  // "17:00 ngày 19/03/2026".
  hbs.registerHelper('dateTime', (v: unknown) => {
    const d = asDate(v);
    return d ? shortInstant(d) : '';
  });
  hbs.registerHelper('num', (v: unknown) => (typeof v === 'number' ? formatNumber(v) : ''));
  hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hbs.registerHelper('or', (...args: unknown[]) => args.slice(0, -1).some(Boolean));
  hbs.registerHelper('and', (...args: unknown[]) => args.slice(0, -1).every(Boolean));
  hbs.registerHelper('not', (a: unknown) => !a);
  // The message for one field from a { field: message } map, for the form partials.
  hbs.registerHelper('errorFor', (errors: unknown, field: string) =>
    errors && typeof errors === 'object' ? ((errors as Record<string, string>)[field] ?? '') : '',
  );
}
