/**
 * The issued letter for reading on a phone: the content of its <main class="letter">, without the
 * <head> that lays it out on A4 (embedded fonts, fixed widths, margins). The app's stylesheet
 * reflows it (.letter-reading). The stored HTML comes from the escaping letter templates, so its
 * markup is ours and citizen text in it is already escaped; style attributes and elements an
 * agency's template override may add are dropped, as the pages' CSP would refuse them anyway.
 */
export function letterContent(html: string): string | null {
  const m = /<main class="letter">([\s\S]*)<\/main>/.exec(html);
  if (!m) return null;
  return m[1]
    .replace(/<(style|script)\b[\s\S]*?<\/\1>/gi, '')
    .replace(/\sstyle="[^"]*"/gi, '');
}
