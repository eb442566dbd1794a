import { formatNumber } from '../../domain/vn-format';

export interface BarChart {
  width: number;
  height: number;
  labelWidth: number;
  bars: { y: number; textY: number; width: number; label: string; value: string; valueX: number }[];
}

const ROW = 28;
const LABEL = 120;
const PLOT = 300;

/**
 * Geometry for a horizontal bar chart drawn as SVG by the `bar-chart` partial. Each bar carries
 * its number as text, so the chart reads without colour (and when printed in grey).
 */
export function barChart(rows: { label: string; count: number }[]): BarChart {
  const max = Math.max(1, ...rows.map((r) => r.count));
  const bars = rows.map((r, i) => {
    const width = Math.max(2, Math.round((r.count / max) * PLOT));
    return { y: i * ROW + 4, textY: i * ROW + 19, width, label: r.label, value: formatNumber(r.count), valueX: LABEL + width + 6 };
  });
  return { width: LABEL + PLOT + 60, height: rows.length * ROW + 8, labelWidth: LABEL, bars };
}

export function overdueChart(rows: { code: string; count: number }[]): BarChart {
  return barChart(rows.map((r) => ({ label: r.code, count: r.count })));
}

export interface MonthChart {
  width: number;
  height: number;
  baseY: number;
  columns: { x: number; y: number; height: number; labelX: number; label: string; value: string; valueY: number }[];
}

const COLUMN = 46;
const COLUMN_GAP = 10;
const COLUMN_PLOT = 160;
const COLUMN_TOP = 24;

/**
 * Geometry for a vertical bar per month (a rate between 0 and 1), drawn by the `month-chart`
 * partial. The percentage is written above each bar, and a month without any figure says "—"
 * rather than drawing a zero that would read as 0%.
 */
export function monthSeries(points: { label: string; rate: number | null }[]): MonthChart {
  const baseY = COLUMN_TOP + COLUMN_PLOT;
  const columns = points.map((p, i) => {
    const height = p.rate === null ? 0 : Math.max(1, Math.round(p.rate * COLUMN_PLOT));
    const x = 8 + i * (COLUMN + COLUMN_GAP);
    return {
      x,
      y: baseY - height,
      height,
      labelX: x + COLUMN / 2,
      label: p.label,
      value: p.rate === null ? '—' : `${formatNumber(p.rate * 100, 1)}%`,
      valueY: baseY - height - 6,
    };
  });
  return { width: 16 + points.length * (COLUMN + COLUMN_GAP), height: baseY + 24, baseY, columns };
}
