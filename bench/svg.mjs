// Small self-contained SVG charts for bench/report.md: grouped horizontal bars
// (throughput per workload) and horizontal stacked bars (memory, code size).
// Plain SVG 1.1 text, no scripts, readable on GitHub in light and dark themes.

const PALETTE = ['#2f6fdf', '#e07b39', '#3aa564', '#b04fc2', '#c9a227', '#d64545', '#3fb6c6', '#7c7c7c', '#8c5a3c', '#a3b8d9', '#5c8a3a', '#c28ab5'];
const FONT = 'font-family="Helvetica, Arial, sans-serif"';
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const num = (v) => (v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toLocaleString('en-US', { maximumFractionDigits: 1 }));

/** A stable colour per series name, in first-seen order. */
function colours(names) {
  const map = new Map();
  for (const n of names) if (!map.has(n)) map.set(n, PALETTE[map.size % PALETTE.length]);
  return map;
}

function frame(width, height, title, body) {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} font-size="12">\n` +
    `<rect width="${width}" height="${height}" fill="#ffffff"/>\n` +
    `<text x="10" y="20" font-size="14" font-weight="bold" fill="#222">${esc(title)}</text>\n${body}</svg>\n`;
}

/** groups: [{ label, bars: [{ label, value }] }]; each group has its own scale. */
export function barChart({ title, unit, groups }) {
  const width = 760, labelW = 210, barH = 16, gap = 4, left = 10, plotW = width - labelW - left - 90;
  const colour = colours(groups.flatMap((g) => g.bars.map((b) => b.label)));
  let y = 36;
  let body = '';
  for (const g of groups) {
    // workloads differ by orders of magnitude: compare clients within a group
    const max = Math.max(1e-9, ...g.bars.map((b) => b.value ?? 0));
    body += `<text x="${left}" y="${y + 12}" font-weight="bold" fill="#222">${esc(g.label)}</text>\n`;
    y += 18;
    for (const b of g.bars) {
      const w = b.value ? Math.max(1, (b.value / max) * plotW) : 0;
      body += `<text x="${left + labelW - 6}" y="${y + 12}" text-anchor="end" fill="#333">${esc(b.label)}</text>\n`;
      body += `<rect x="${left + labelW}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${colour.get(b.label)}"/>\n`;
      body += `<text x="${left + labelW + w + 4}" y="${y + 12}" fill="#333">${b.value ? `${num(b.value)} ${esc(unit)}` : 'n/a'}</text>\n`;
      y += barH + gap;
    }
    y += 8;
  }
  return frame(width, y + 6, title, body);
}

/** bars: [{ label, layers: [[name, value], ...] }], all on one scale, with a legend. */
export function stackedChart({ title, unit, bars }) {
  const width = 760, labelW = 290, barH = 22, left = 10, plotW = width - labelW - left - 20;
  const names = bars.flatMap((b) => b.layers.map(([n]) => n));
  const colour = colours(names);
  const max = Math.max(1e-9, ...bars.map((b) => b.layers.reduce((s, [, v]) => s + v, 0)));
  let y = 36;
  let body = '';
  for (const b of bars) {
    const total = b.layers.reduce((s, [, v]) => s + v, 0);
    body += `<text x="${left + labelW - 6}" y="${y + 15}" text-anchor="end" fill="#333">${esc(b.label)}</text>\n`;
    let x = left + labelW;
    for (const [n, v] of b.layers) {
      const w = (v / max) * plotW;
      body += `<rect x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${colour.get(n)}"><title>${esc(n)}: ${num(v)} ${esc(unit)}</title></rect>\n`;
      x += w;
    }
    body += `<text x="${left + labelW}" y="${y + barH + 13}" fill="#555" font-size="11">total ${num(total)} ${esc(unit)}</text>\n`;
    y += barH + 24;
  }
  // legend: name and the value of the first bar, three per row
  const first = new Map(bars[0].layers);
  [...colour.entries()].forEach(([n, c], i) => {
    const lx = left + (i % 3) * 250, ly = y + Math.floor(i / 3) * 18;
    body += `<rect x="${lx}" y="${ly}" width="12" height="12" fill="${c}"/><text x="${lx + 16}" y="${ly + 10}" fill="#333">${esc(n)} (${num(first.get(n) ?? 0)})</text>\n`;
  });
  const height = y + Math.ceil(colour.size / 3) * 18 + 8;
  return frame(width, height, title, body);
}

export const renderChart = (c) => (c.kind === 'stacked' ? stackedChart(c) : barChart(c));
