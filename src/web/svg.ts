// Self-written SVG for `verbo plot` and `verbo report`: the 2-D embedding map (one circle per word, a
// <title> per circle so viewers show the word on hover, labels for the most frequent words) and line
// charts of training curves with axes and ticks. Plain strings, no library; every text is XML-escaped.
import type { MapResponse } from './api.js';

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const fixed = (x: number) => (Math.round(x * 100) / 100).toString();

export interface MapSvgOptions {
  width?: number;
  height?: number;
  /** Label the first `labels` words (the most frequent); default 120. */
  labels?: number;
  title?: string;
}

/** The embedding map as a standalone SVG document. */
export function mapSvg(map: MapResponse, options: MapSvgOptions = {}): string {
  const width = options.width ?? 900;
  const height = options.height ?? 640;
  const labels = options.labels ?? 120;
  const margin = 36;
  const top = options.title ? 52 : margin;
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  for (const [x, y] of map.points) {
    minX = Math.min(minX, x);
    maxX = Math.max(maxX, x);
    minY = Math.min(minY, y);
    maxY = Math.max(maxY, y);
  }
  const scale = Math.min(
    (width - 2 * margin) / (maxX - minX || 1),
    (height - top - margin) / (maxY - minY || 1),
  );
  const centreX = (minX + maxX) / 2;
  const centreY = (minY + maxY) / 2;
  const sx = (x: number) => width / 2 + (x - centreX) * scale;
  const sy = (y: number) => (top + height - margin) / 2 - (y - centreY) * scale;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" class="verbo-map">`,
    `<rect width="${width}" height="${height}" fill="#fcfdff"/>`,
  ];
  if (options.title) {
    parts.push(
      `<text x="${width / 2}" y="24" text-anchor="middle" font-size="16" fill="#1d2330">${escapeXml(options.title)}</text>`,
      `<text x="${width / 2}" y="42" text-anchor="middle" font-size="11" fill="#667085">${mapCaption(map)} · ${map.words.length} most frequent words</text>`,
    );
  }
  parts.push('<g fill="#2f6fde" fill-opacity="0.75">');
  map.points.forEach(([x, y], i) => {
    parts.push(
      `<circle cx="${fixed(sx(x))}" cy="${fixed(sy(y))}" r="2.6"><title>${escapeXml(map.words[i]!)}</title></circle>`,
    );
  });
  parts.push('</g>', '<g font-size="10" fill="#475467">');
  map.points.slice(0, labels).forEach(([x, y], i) => {
    parts.push(`<text x="${fixed(sx(x) + 4)}" y="${fixed(sy(y) - 4)}">${escapeXml(map.words[i]!)}</text>`);
  });
  parts.push('</g>', '</svg>');
  return `${parts.join('\n')}\n`;
}

export interface CurveSeries {
  name: string;
  /** [x, y] points, e.g. [epoch, loss]. */
  points: [number, number][];
}

export interface CurvesSvgOptions {
  title: string;
  xLabel?: string;
  yLabel?: string;
  width?: number;
  height?: number;
}

const COLORS = ['#2f6fde', '#f79009', '#12b76a', '#d92d20'];

/** Round tick values covering [low, high] (1, 2, 5 × 10^k steps). */
export function niceTicks(low: number, high: number, count = 5): number[] {
  if (!(high > low)) return [low];
  const raw = (high - low) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  // The 1-2-5 step closest (in ratio) to the raw step.
  let step = power;
  for (const m of [2, 5, 10]) {
    if (Math.abs(Math.log((m * power) / raw)) < Math.abs(Math.log(step / raw))) step = m * power;
  }
  const ticks: number[] = [];
  for (let t = Math.ceil(low / step) * step; t <= high + step * 1e-9; t += step)
    ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

/** Line chart of one or more series as a standalone SVG document. */
export function curvesSvg(series: CurveSeries[], options: CurvesSvgOptions): string {
  const width = options.width ?? 640;
  const height = options.height ?? 360;
  const left = 64;
  const right = 20;
  const top = 40;
  const bottom = 48;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" class="verbo-curves">`,
    `<rect width="${width}" height="${height}" fill="#fcfdff"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" fill="#1d2330">${escapeXml(options.title)}</text>`,
  ];
  const all = series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  if (all.length === 0) {
    parts.push(
      `<text x="${width / 2}" y="${height / 2}" text-anchor="middle" font-size="13" fill="#667085">no training history recorded</text>`,
      '</svg>',
    );
    return `${parts.join('\n')}\n`;
  }
  let minX = Math.min(...all.map((p) => p[0]));
  let maxX = Math.max(...all.map((p) => p[0]));
  let minY = Math.min(...all.map((p) => p[1]));
  let maxY = Math.max(...all.map((p) => p[1]));
  if (minX === maxX) {
    minX -= 1;
    maxX += 1;
  }
  if (minY === maxY) {
    const pad = Math.abs(minY) * 0.1 || 1;
    minY -= pad;
    maxY += pad;
  }
  const padY = (maxY - minY) * 0.05;
  minY -= padY;
  maxY += padY;
  const sx = (x: number) => left + ((x - minX) / (maxX - minX)) * (width - left - right);
  const sy = (y: number) => top + (1 - (y - minY) / (maxY - minY)) * (height - top - bottom);
  parts.push(
    `<line x1="${left}" y1="${height - bottom}" x2="${width - right}" y2="${height - bottom}" stroke="#98a2b3"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${height - bottom}" stroke="#98a2b3"/>`,
  );
  parts.push('<g font-size="10" fill="#475467">');
  for (const tick of niceTicks(minY, maxY)) {
    parts.push(
      `<line x1="${left - 4}" y1="${fixed(sy(tick))}" x2="${width - right}" y2="${fixed(sy(tick))}" stroke="#eef1f6"/>`,
      `<text x="${left - 7}" y="${fixed(sy(tick) + 3)}" text-anchor="end">${tick}</text>`,
    );
  }
  for (const tick of niceTicks(minX, maxX, Math.min(10, Math.max(1, Math.round(maxX - minX))))) {
    parts.push(
      `<text x="${fixed(sx(tick))}" y="${height - bottom + 16}" text-anchor="middle">${tick}</text>`,
    );
  }
  parts.push('</g>');
  if (options.xLabel) {
    parts.push(
      `<text x="${(left + width - right) / 2}" y="${height - 10}" text-anchor="middle" font-size="12" fill="#1d2330">${escapeXml(options.xLabel)}</text>`,
    );
  }
  if (options.yLabel) {
    parts.push(
      `<text transform="translate(16 ${(top + height - bottom) / 2}) rotate(-90)" text-anchor="middle" font-size="12" fill="#1d2330">${escapeXml(options.yLabel)}</text>`,
    );
  }
  series.forEach((s, k) => {
    const color = COLORS[k % COLORS.length]!;
    const points = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (points.length === 0) return;
    const d = points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${fixed(sx(x))},${fixed(sy(y))}`).join(' ');
    parts.push(
      `<path d="${d}" fill="none" stroke="${color}" stroke-width="2" class="series" data-name="${escapeXml(s.name)}"/>`,
    );
    for (const [x, y] of points) {
      parts.push(
        `<circle cx="${fixed(sx(x))}" cy="${fixed(sy(y))}" r="3" fill="${color}" data-x="${x}" data-y="${y}"><title>${escapeXml(s.name)}: ${x}, ${y}</title></circle>`,
      );
    }
    if (points.length === 1) {
      // A lone point has no line to read it by: write its value beside it.
      const [x, y] = points[0]!;
      const anchor = sx(x) > (left + width - right) / 2 ? 'end' : 'start';
      parts.push(
        `<text x="${fixed(sx(x) + (anchor === 'end' ? -8 : 8))}" y="${fixed(sy(y) - 6)}" text-anchor="${anchor}" font-size="11" fill="${color}" class="value">${escapeXml(s.name)} ${formatValue(y)}</text>`,
      );
    }
    parts.push(
      `<text x="${width - right - 4}" y="${top + 14 * k + 4}" text-anchor="end" font-size="11" fill="${color}">${escapeXml(s.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** A value for a label: 4 significant digits, no exponent for everyday magnitudes. */
function formatValue(value: number): string {
  return Math.abs(value) >= 1000 ? value.toFixed(0) : Number(value.toPrecision(4)).toString();
}

/**
 * The language model's perplexity as one chart. When the curve was recorded while training
 * (progress.json: [tokens, perplexity so far in the epoch]): that curve against the tokens trained, with
 * the validation perplexity at the end of each epoch — readable even for one epoch, where a per-epoch
 * chart would be two lone points. Otherwise train and validation perplexity per epoch.
 */
export function lmPerplexitySvg(
  history: readonly object[],
  progress: readonly [number, number][],
  title = 'language model perplexity',
): string {
  if (progress.length < 2) {
    return curvesSvg(
      [
        { name: 'train', points: historySeries(history, 'trainPerplexity') },
        { name: 'valid', points: historySeries(history, 'validPerplexity') },
      ],
      { title: `${title} per epoch`, xLabel: 'epoch', yLabel: 'perplexity' },
    );
  }
  const valid: [number, number][] = [];
  let tokens = 0;
  for (const record of history as Record<string, unknown>[]) {
    tokens += typeof record.tokens === 'number' ? record.tokens : 0;
    const value = record.validPerplexity;
    if (typeof value === 'number' && Number.isFinite(value)) valid.push([tokens, value]);
  }
  return curvesSvg(
    [
      { name: 'train', points: [...progress] },
      { name: 'valid', points: valid },
    ],
    { title: `${title} while training`, xLabel: 'tokens trained', yLabel: 'perplexity (mean so far)' },
  );
}

/** A numeric field of history records as [epoch, value] points (records without it are skipped). */
export function historySeries(records: readonly object[], key: string): [number, number][] {
  const points: [number, number][] = [];
  records.forEach((record, i) => {
    const fields = record as Record<string, unknown>;
    const value = fields[key];
    const epoch = typeof fields.epoch === 'number' ? fields.epoch : i + 1;
    if (typeof value === 'number' && Number.isFinite(value)) points.push([epoch, value]);
  });
  return points;
}

/** "PC1 12.3%, PC2 8.1% of the variance" for a PCA map, "UMAP projection" for a UMAP one. */
function mapCaption(map: MapResponse): string {
  if (map.explainedRatio === null) return 'UMAP projection';
  return `PC1 ${(map.explainedRatio[0] * 100).toFixed(1)}%, PC2 ${(map.explainedRatio[1] * 100).toFixed(1)}% of the variance`;
}
