// A bar chart's geometry for an SVG drawn on the server (the template writes the elements): one bar per value,
// scaled to the largest, with a label under each bar and the largest value written on the axis.
export interface Bar {
  x: number;
  y: number;
  width: number;
  height: number;
  label: string;
  /** The value in words, for the bar's tooltip. */
  text: string;
}

export interface BarChart {
  width: number;
  height: number;
  /** Where the bars stand: labels go below. */
  baseline: number;
  bars: Bar[];
  /** The top of the scale, in words. */
  maxText: string;
}

const WIDTH = 600;
const HEIGHT = 220;
const LEFT = 8;
const TOP = 24;
const BOTTOM = 24;

export function barChart(values: number[], labels: string[], format: (n: number) => string): BarChart {
  const max = Math.max(0, ...values);
  const slot = (WIDTH - LEFT * 2) / Math.max(1, values.length);
  const baseline = HEIGHT - BOTTOM;
  const usable = baseline - TOP;
  const bars = values.map((v, i) => {
    const height = max > 0 ? Math.round((v / max) * usable * 10) / 10 : 0;
    return {
      x: Math.round((LEFT + i * slot + slot * 0.15) * 10) / 10,
      y: Math.round((baseline - height) * 10) / 10,
      width: Math.round(slot * 0.7 * 10) / 10,
      height,
      label: labels[i] ?? '',
      text: `${labels[i] ?? ''}: ${format(v)}`,
    };
  });
  return { width: WIDTH, height: HEIGHT, baseline, bars, maxText: format(max) };
}
