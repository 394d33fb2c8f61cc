// Small functions for writing HTML by hand: escaping, tables, JSON for scripts. The report and the viewer's
// page both use them; there is no template engine.

/** Escapes text for HTML element content and attribute values. */
export function esc(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A table from a header and rows of already-escaped cell HTML; `rowAttrs[i]` (escaped) goes on row i. */
export function table(head: readonly string[], rows: readonly (readonly string[])[], attrs = '', rowAttrs: readonly string[] = []): string {
  return (
    `<table${attrs}><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>` +
    rows.map((r, i) => `<tr${rowAttrs[i] ?? ''}>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('') +
    '</tbody></table>'
  );
}

/** A rate as "62% [51, 72]". */
export function pctInterval(rate: number, lo: number, hi: number): string {
  if (!Number.isFinite(rate)) return '–';
  const p = (x: number): string => (100 * x).toFixed(0);
  return `${p(rate)}% [${p(lo)}, ${p(hi)}]`;
}

/** JSON that is safe inside a <script> element (no "</script>" can end it early). */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)).replace(/</g, '\\u003c');
}

export const BASE_CSS = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d1d1f;background:#fafafa}
main{max-width:1240px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
h3{font-size:15px;margin:18px 0 6px}
table{border-collapse:collapse;margin:8px 0;background:#fff}
th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f0f0f3}
td.num{text-align:right;font-variant-numeric:tabular-nums}
pre{background:#fff;border:1px solid #ddd;padding:8px;overflow:auto;max-height:320px;font-size:12px}
.muted{color:#666}.ok{color:#17803d;font-weight:600}.bad{color:#b42318;font-weight:600}
.plots{display:flex;flex-wrap:wrap;gap:12px}.plot{background:#fff;border:1px solid #ddd;padding:6px}
.answer{font-family:ui-monospace,Menlo,monospace;white-space:pre-wrap}
.tag{display:inline-block;border-radius:3px;padding:0 5px;font-size:12px;color:#fff}
.tag.initial{background:#6a3d9a}.tag.alternate{background:#1f9e89}.tag.other{background:#b42318}
.tag.compatible{background:#17803d}.tag.incompatible{background:#b42318}.tag.mixed{background:#777}.tag.error{background:#444}
figure.plot{margin:0;max-width:100%;overflow:hidden}.plot svg{max-width:100%;height:auto}
.toc a{margin-right:10px}
.verdict{display:inline-block;border-radius:3px;padding:0 6px;margin-right:4px;font-size:12px;font-weight:600;color:#fff}
.verdict.transferred{background:#1f9e89}.verdict.resisted{background:#6a3d9a}.verdict.collapsed{background:#b42318}
.verdict.recovered{background:#b7791f}.verdict.unstable{background:#c05621}
ul.rules{font-size:12px;color:#555;margin:6px 0 0 18px;padding:0}ul.notes{margin:0;padding-left:14px;font-size:12px;color:#8a4b00}p.notes{font-size:12px;color:#8a4b00;margin:4px 0}
.chat{display:flex;flex-direction:column;gap:3px;margin:4px 0;max-width:720px}
.msg{border:1px solid #ddd;border-radius:6px;padding:4px 8px;background:#fff;white-space:pre-wrap;font-family:ui-monospace,Menlo,monospace;font-size:12.5px}
.msg .role{display:block;font:600 11px system-ui,sans-serif;color:#666;text-transform:uppercase;letter-spacing:.04em}
.msg.system{background:#f4f4f6}.msg.user{background:#eef4ff;border-color:#c9d8f5}.msg.assistant{background:#f3faf6;border-color:#cfe6d8}
.msg .reason{font:12px system-ui,sans-serif;color:#666;margin-top:2px}
.example{margin:6px 0 10px}.cards{display:flex;flex-wrap:wrap;gap:10px}.card{flex:1 1 300px;max-width:420px}
table.answers .msg{margin:0;min-width:160px}td .num,span.num{white-space:nowrap}details{margin:6px 0}summary{cursor:pointer;font-weight:600}
`;
