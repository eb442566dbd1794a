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
