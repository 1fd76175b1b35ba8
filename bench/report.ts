// Writes docs/benchmarks.md and docs/bench.svg from a run's figures.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface Row {
  workload: string;
  title: string;
  higherIsBetter: boolean;
  cells: { label: string; median: number; min: number; max: number; ok: boolean }[];
}

const COLORS = ['#d62728', '#1f77b4', '#aec7e8', '#2ca02c', '#98df8a', '#9467bd', '#ff7f0e'];

/** Relative speed of every system against asgrad (asgrad = 1), one group of bars per workload. */
export function chart(rows: Row[]): string {
  const labels = rows[0]?.cells.map((c) => c.label) ?? [];
  const barH = 12;
  const groupH = labels.length * barH + 16;
  const left = 230;
  const width = 820;
  const plotW = width - left - 30;
  const height = 60 + rows.length * groupH + labels.length * 16;
  // log2 scale from 1/64 to 64 around asgrad's 1.
  const x = (r: number) => left + plotW / 2 + (Math.max(-6, Math.min(6, Math.log2(r))) / 6) * (plotW / 2);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${left}" y="18" font-size="13">Speed relative to asgrad (log scale; right of the line: faster than asgrad)</text>`,
  ];
  for (const k of [-6, -4, -2, 0, 2, 4, 6]) {
    const xx = x(2 ** k);
    parts.push(`<line x1="${xx}" y1="30" x2="${xx}" y2="${30 + rows.length * groupH}" stroke="${k === 0 ? '#000' : '#ddd'}"/>`);
    parts.push(`<text x="${xx}" y="${42 + rows.length * groupH}" text-anchor="middle">${k < 0 ? `1/${2 ** -k}` : 2 ** k}×</text>`);
  }
  rows.forEach((row, i) => {
    const y0 = 34 + i * groupH;
    parts.push(`<text x="${left - 8}" y="${y0 + groupH / 2}" text-anchor="end">${row.title}</text>`);
    const base = row.cells[0].median;
    row.cells.forEach((c, j) => {
      if (!Number.isFinite(c.median)) return;
      const rel = row.higherIsBetter ? c.median / base : base / c.median;
      const xa = x(1);
      const xb = x(rel);
      parts.push(
        `<rect x="${Math.min(xa, xb)}" y="${y0 + j * barH}" width="${Math.max(1, Math.abs(xb - xa))}" height="${barH - 2}" fill="${COLORS[j % COLORS.length]}"/>`,
      );
    });
  });
  labels.forEach((l, j) => {
    const y = 56 + rows.length * groupH + j * 16;
    parts.push(
      `<rect x="${left}" y="${y - 9}" width="10" height="10" fill="${COLORS[j % COLORS.length]}"/><text x="${left + 16}" y="${y}">${l}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}

export function writeReport(markdown: string, rows: Row[]): void {
  const docs = (f: string) => fileURLToPath(new URL(`../docs/${f}`, import.meta.url));
  writeFileSync(docs('bench.svg'), chart(rows));
  writeFileSync(docs('benchmarks.md'), markdown);
}
