// Turns a results file (bench/results/<date>-<host>.json) into bench/report.md
// and its charts in bench/charts/. `npm run bench` calls it after a full run;
// `node bench/report.mjs [results.json]` regenerates the report from a stored
// run (the newest one by default), so every number in the docs can be traced
// to a results file in the same commit. It also copies the headlines into the
// README's Benchmarks section (between its markers).
import { readdirSync, readFileSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { join, relative, basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchDir, root, fmt, fmtRatio, MiB } from './harness.mjs';
import { renderChart } from './svg.mjs';

function mdTable({ head, rows }) {
  const cell = (c) => String(c).replace(/\|/g, '\\|');
  return [`| ${head.map(cell).join(' | ')} |`, `| ${head.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
}

/** The ratios worth a sentence, from whichever sections the run has. */
export function headlines({ sections }) {
  const out = [];
  const parse = sections.parse?.figures;
  if (parse) {
    for (const [w, f] of Object.entries(parse)) {
      out.push(`HTTP parse, ${w}: ours ${fmt(f.parsers[0].MBps)} MB/s = ${fmtRatio(f.ratioVsNative)} native llhttp, ${fmtRatio(f.ratioVsWasm)} undici's llhttp wasm`);
    }
  }
  out.push(...httpsHeadlines(sections.https?.figures), ...rttHeadlines(sections.rtt?.figures));
  const mem = sections.memory?.figures;
  if (mem) {
    const s = mem.scenarios[0];
    const mfl = mem.scenarios.find((x) => /MFL/.test(x.label));
    out.push(`Core memory: ${fmt(s.linearMemoryBytes)} bytes of linear memory in all, ${fmt(s.report.HEAP_BASE)} static; arena used ${fmt(s.report.ARENA_USED)} with 16 KiB records${mfl ? `, ${fmt(mfl.report.ARENA_USED)} with MFL 1024` : ''} (stack peak ${fmt(s.report.STACK_PEAK)}); identical after streaming 1 MiB and ${mem.scenarios.at(-1).label.match(/\d+ MiB/)[0]}: ${mem.streamsEqual ? 'yes' : 'NO'}`);
    const small = mem.scenarios.filter((x) => x.label.startsWith('small core'));
    const full = mem.scenarios.filter((x) => !x.label.startsWith('small core'));
    if (small.length === 2) out.push(`Memory used by one GET (USED_PEAK: static + stack peak + buffers), 16 KiB records / MFL 1024: full core ${fmt(full[0].report.USED_PEAK)} / ${fmt(full.find((x) => /MFL/.test(x.label)).report.USED_PEAK)}, small core ${fmt(small[0].report.USED_PEAK)} / ${fmt(small[1].report.USED_PEAK)} (small core: ${fmt(small[0].linearMemoryBytes)} bytes of linear memory in all)`);
    const [ours, node, undici] = mem.rss;
    const heap = (r) => (r.heapPerConnection === undefined ? '' : ` (JS heap ${fmt(r.heapPerConnection / 1024)})`);
    out.push(`RSS per idle keep-alive connection: ours ${fmt(ours.perConnection / 1024)} KiB${heap(ours)}, node https ${fmt(node.perConnection / 1024)} KiB${heap(node)}, undici ${fmt(undici.perConnection / 1024)} KiB${heap(undici)}`);
    if (mem.plateau) {
      const [p0, p1, p2] = mem.plateau;
      out.push(`Process RSS after ${fmt(p0.n)} keep-alive GETs on one connection: ours ${fmt(p0.rssEnd / MiB)} MiB, node https ${fmt(p1.rssEnd / MiB)} MiB, undici ${fmt(p2.rssEnd / MiB)} MiB`);
    }
  }
  const size = sections.size?.figures;
  if (size) out.push(`Code size: build/microhttps.wasm ${fmt(size.final.bytes)} bytes, ${fmt(size.final.gzip)} gzip'd${size.profiles ? `; by profile: ${size.profiles.map((p) => `${p.name} ${fmt(p.bytes)}`).join(', ')}` : ''}`);
  return out;
}

const HTTPS_HEADLINES = [['handshake_ecdsa', 'full handshakes ECDSA P-256'], ['handshake_rsa', 'full handshakes RSA 2048'], ['resumed_ecdsa', 'resumed sessions ECDSA P-256'], ['resumed_rsa', 'resumed sessions RSA 2048'], ['keepalive_1k', 'keep-alive 1 KiB requests'], ['bulk_aes128gcm', 'bulk AES-128-GCM'], ['bulk_chacha20', 'bulk ChaCha20-Poly1305']];

/** The HTTPS rows, TLS 1.3 then TLS 1.2 (figures without a version are the TLS 1.2 rows of older runs). */
function httpsHeadlines(https) {
  if (!https) return [];
  const out = [];
  for (const [suffix, version] of [['_13', '1.3'], ['', '1.2']]) {
    for (const [key, label] of HTTPS_HEADLINES) {
      const f = https[key + suffix];
      if (!f) continue;
      const cpu = f.clients?.microhttps?.cpuMsPerOp && f.unit === 'conn/s'
        ? ` (client CPU ${fmt(f.clients.microhttps.cpuMsPerOp, 2)} ms vs node's ${fmt(f.clients['node https'].cpuMsPerOp, 2)})` : '';
      out.push(f.notResumed?.includes('microhttps')
        ? `HTTPS TLS ${version} ${label}: ours not resumed (TLS 1.3 resumption not merged yet); node https ${fmt(f.node)} ${f.unit}, undici ${fmt(f.undici)}`
        : `HTTPS TLS ${version} ${label}: ours ${fmt(f.ours)} ${f.unit} = ${fmtRatio(f.oursOverNode)} node https, ${fmtRatio(f.oursOverUndici)} undici${cpu}`);
    }
  }
  return out;
}

/** Round trips to the first byte through the delaying proxy, per server version and connection kind. */
function rttHeadlines(rtt) {
  if (!rtt) return [];
  const clients = ['microhttps', 'node https', 'undici'];
  return [['_13', '1.3'], ['', '1.2']].flatMap(([suffix, version]) => ['fresh', 'resumed'].map((kind) => {
    const f = rtt[`ttfb_${kind}${suffix}`];
    const cell = (c) => `${c} ${fmt(f.clients[c].rtt, 2)}${f.clients[c].resumed === false ? ' (not resumed)' : ''}`;
    return `Round trips to the first byte (RTT ${rtt.rttMs} ms), TLS ${version} server, ${kind}: ${clients.map(cell).join(', ')}`;
  }));
}

export function renderReport(results, resultsPath) {
  const chartsDir = join(benchDir, 'charts');
  const files = [];
  const m = results.machine;
  let md = '# microhttps benchmarks\n\n' +
    '<!-- generated by bench/report.mjs from the results file named below: do not edit by hand -->\n\n' +
    `Run of ${results.date} (${results.mode} mode, commit ${results.commit}) on \`${m.host}\`: ${m.cpuModel}, ${m.cores} cores, ` +
    `${fmt(Math.round(m.memoryBytes / MiB))} MiB RAM, Node ${m.node} (V8 ${m.v8}), ${m.os}. ` +
    `Raw figures: [${relative(benchDir, resultsPath)}](${relative(benchDir, resultsPath)}). Rerun with \`npm run bench\`; regenerate this page with \`node bench/report.mjs\`.\n\n` +
    `> **Noise.** ${results.noiseNote} One-minute load average: ${m.loadAverageAtStart.toFixed(1)} at the start of the run, ` +
    `${results.loadAverageAtEnd.toFixed(1)} at its end, on ${m.cores} cores.\n\n` +
    'Each timing is the mean latency of a tinybench run, best of 3 rounds that alternate the order of the contenders (the round least disturbed by other load), ' +
    'except in the HTTPS and round-trip sections (each client in a process of its own, medians over interleaved rounds: their notes say how); ' +
    'the crypto section\'s derived figures say how they are taken. No benchmark asserts a time. Byte counts (memory, code size) are exact and are checked against `bench/budgets.json` by `npm run bench -- --quick` in CI.\n\n' +
    '## Headlines\n\n' + headlines(results).map((h) => `- ${h}`).join('\n') + '\n';
  for (const s of Object.values(results.sections)) {
    md += `\n## ${s.title}\n\n${s.note}\n`;
    for (const t of s.tables) md += `\n**${t.title}**\n\n${mdTable(t)}\n`;
    for (const c of s.charts) {
      const file = `${c.id}.svg`;
      files.push({ file, svg: renderChart(c) });
      md += `\n![${c.title}](charts/${file})\n`;
    }
    for (const c of s.checks ?? []) md += `\n- check: ${c.name}: **${c.ok ? 'holds' : 'FAILS'}**\n`;
  }
  if (results.budgets?.length) {
    md += '\n## Budgets (bench/budgets.json)\n\n' + mdTable({
      head: ['figure', 'value', 'budget (max)', 'status'],
      rows: results.budgets.map((b) => [b.key, fmt(b.value), fmt(b.max), b.ok ? 'ok' : 'EXCEEDED']),
    }) + '\n';
  }
  rmSync(chartsDir, { recursive: true, force: true });
  mkdirSync(chartsDir, { recursive: true });
  for (const { file, svg } of files) writeFileSync(join(chartsDir, file), svg);
  writeFileSync(join(benchDir, 'report.md'), md);
  copyHeadlinesToReadme(results);
  return join(benchDir, 'report.md');
}

/** The README's Benchmarks section quotes the headlines between two markers. */
function copyHeadlinesToReadme(results) {
  const readme = join(root, 'README.md');
  const text = readFileSync(readme, 'utf8');
  const start = '<!-- headlines: copied from bench/report.md -->\n';
  const end = '<!-- /headlines -->';
  const a = text.indexOf(start), b = text.indexOf(end);
  if (a < 0 || b < a) throw new Error('README.md lacks the headline markers of its Benchmarks section');
  const block = `Run of ${results.date.slice(0, 10)}, commit ${results.commit}:\n\n` + headlines(results).map((h) => `- ${h}`).join('\n') + '\n';
  writeFileSync(readme, text.slice(0, a + start.length) + block + text.slice(b));
}

function newestResults() {
  const dir = join(benchDir, 'results');
  const names = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  if (!names.length) throw new Error('no results in bench/results/: run `npm run bench` first');
  return join(dir, names[names.length - 1]);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2] ?? newestResults();
  const out = renderReport(JSON.parse(readFileSync(file, 'utf8')), file);
  console.log(`[bench] ${relative(process.cwd(), out)} regenerated from ${basename(file)}`);
}
