/**
 * Inline SVG charts for the replay report: grouped bars by month, drawn here so the report is
 * one file that opens anywhere, offline, with nothing fetched (no chart library ships a
 * server-side SVG renderer small enough to be worth it for two bar charts).
 */
import { formatNumber } from '../domain/vn-format';

export interface Series {
  label: string;
  color: string;
  values: number[];
}

/** Escapes text for HTML and SVG (element content and quoted attributes). */
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** A round axis maximum (1, 2 or 5 × a power of ten) at or above `max`. */
export function niceMax(max: number): number {
  if (max <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5, 10]) if (step * power >= max) return step * power;
  return 10 * power;
}

const W = 760;
const H = 300;
const PAD = { left: 64, right: 16, top: 16, bottom: 72 };

/**
 * Grouped bars, one group per month, with a labelled axis, a legend and each bar's value as its
 * tooltip (<title>), so the figure behind every bar is readable without the table.
 */
export function groupedBars(title: string, months: string[], series: Series[]): string {
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const top = niceMax(Math.max(0, ...series.flatMap((s) => s.values)));
  const y = (v: number): number => PAD.top + plotH - (v / top) * plotH;
  const groupW = plotW / Math.max(1, months.length);
  const barW = Math.max(1, (groupW * 0.8) / Math.max(1, series.length));
  const parts: string[] = [];
  for (let i = 0; i <= 4; i++) {
    const v = (top * i) / 4;
    parts.push(
      `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#ddd"/>`,
      `<text x="${PAD.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" font-size="11">${esc(formatNumber(v, Number.isInteger(v) ? 0 : 1))}</text>`,
    );
  }
  months.forEach((m, i) => {
    const x0 = PAD.left + i * groupW + groupW * 0.1;
    series.forEach((s, j) => {
      const v = s.values[i] ?? 0;
      const h = (v / top) * plotH;
      parts.push(
        `<rect x="${(x0 + j * barW).toFixed(1)}" y="${(PAD.top + plotH - h).toFixed(1)}" width="${barW.toFixed(1)}" height="${h.toFixed(1)}" fill="${s.color}">` +
          `<title>${esc(`${s.label} — ${m}: ${formatNumber(v)}`)}</title></rect>`,
      );
    });
    const cx = PAD.left + (i + 0.5) * groupW;
    parts.push(`<text x="${cx.toFixed(1)}" y="${H - PAD.bottom + 16}" text-anchor="middle" font-size="11">${esc(m)}</text>`);
  });
  parts.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${PAD.top + plotH}" y2="${PAD.top + plotH}" stroke="#333"/>`);
  series.forEach((s, j) => {
    const lx = PAD.left + j * 180;
    const ly = H - 24;
    parts.push(`<rect x="${lx}" y="${ly - 10}" width="12" height="12" fill="${s.color}"/>`, `<text x="${lx + 18}" y="${ly}" font-size="12">${esc(s.label)}</text>`);
  });
  return (
    `<figure class="chart"><figcaption>${esc(title)}</figcaption>` +
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(title)}" font-family="sans-serif">${parts.join('')}</svg></figure>`
  );
}
