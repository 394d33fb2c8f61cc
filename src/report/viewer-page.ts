// The viewer's single page: HTML, CSS and a small script without a framework. It draws the transfer curves
// as SVG itself (symlog x so step 0 shows, hover for values, click a point to open its answers, click a
// legend entry to hide a curve) and pages
// through answers with the server's keyset cursor. The script avoids template literals so that it can sit
// inside this file's template string unchanged.

import { BASE_CSS } from './html.js';

const CSS = `
body{display:flex;min-height:100vh}
nav{width:250px;flex:none;background:#fff;border-right:1px solid #ddd;padding:12px;overflow:auto}
nav h2{font-size:14px;margin:12px 0 4px;border:0}
nav button{display:block;width:100%;text-align:left;border:1px solid #ddd;background:#fafafa;margin:2px 0;padding:4px 6px;cursor:pointer;font-size:13px}
nav button.sel{background:#e7e3f5;border-color:#6a3d9a}
main{flex:1;max-width:none}
.controls{display:flex;gap:10px;align-items:center;flex-wrap:wrap;margin:6px 0}
#chart{background:#fff;border:1px solid #ddd}
#tip{position:fixed;pointer-events:none;background:#222;color:#fff;font-size:12px;padding:3px 6px;border-radius:3px;display:none}
#samples{max-height:460px;overflow:auto}
.sample{background:#fff;border:1px solid #ddd;margin:4px 0;padding:6px;cursor:pointer}
.sample:hover{border-color:#6a3d9a}
.cmp{display:flex;gap:12px}.cmp>div{flex:1;background:#fff;border:1px solid #ddd;padding:8px}
`;

const SCRIPT = String.raw`
var S = { sweep: null, data: null, cell: null, step: null, next: null, hidden: {} };
var COLORS = ['#440154','#3b528b','#21918c','#5ec962','#fde725','#b5de2b','#31688e','#443983'];
function $(id) { return document.getElementById(id); }
function el(tag, attrs, text) { var e = document.createElement(tag); for (var k in attrs || {}) e.setAttribute(k, attrs[k]); if (text !== undefined) e.textContent = text; return e; }
function get(path) { return fetch(path).then(function (r) { return r.json().then(function (j) { if (!r.ok) throw new Error(j.error || r.status); return j; }); }); }
function pct(x) { return typeof x === 'number' && isFinite(x) ? (100 * x).toFixed(1) + '%' : '-'; }
function fmtLr(x) { return Number(x.toPrecision(6)).toExponential().replace(/\.?0+e/, 'e').replace('e+', 'e'); }

function loadSweeps() {
  get('/api/sweeps').then(function (list) {
    var box = $('sweeps'); box.innerHTML = '';
    list.forEach(function (s) {
      var b = el('button', { 'data-sweep': s.id }, s.name + ' (' + s.cells + ' cells)');
      b.onclick = function () { openSweep(s.id); };
      box.appendChild(b);
    });
    if (list.length === 0) box.textContent = 'no sweeps in this record';
    else openSweep(list[list.length - 1].id);
  }).catch(showError);
}

function openSweep(id) {
  S.sweep = id;
  document.querySelectorAll('#sweeps button').forEach(function (b) { b.classList.toggle('sel', b.getAttribute('data-sweep') == id); });
  $('status').textContent = 'loading sweep ' + id + '...';
  get('/api/sweeps/' + id).then(function (d) {
    S.data = d;
    $('status').textContent = '';
    $('title').textContent = 'Sweep ' + d.meta.name + ' · ' + d.meta.settingId;
    renderSummary(d); renderCells(d); drawChart();
    if (d.cells.length) selectCell(d.cells[0].id, null);
  }).catch(showError);
}

function renderSummary(d) {
  var tb = $('summary').querySelector('tbody'); tb.innerHTML = '';
  d.groups.forEach(function (g) {
    var tr = el('tr');
    [g.family, fmtLr(g.lr), g.lastStep, pct(g.initial), pct(g.alternate), pct(g.other), g.steps ? g.steps.label : '-', pct(g.capabilityLoss)].forEach(function (v) { tr.appendChild(el('td', {}, String(v))); });
    tb.appendChild(tr);
  });
}

function renderCells(d) {
  var box = $('cells'); box.innerHTML = '';
  var sel = $('cell'); sel.innerHTML = '';
  d.cells.forEach(function (c) {
    var b = el('button', { 'data-cell': c.id, title: 'steps to transfer for this seed: ' + (c.crossing || '-') }, c.name + (c.crossing ? '  · ' + c.crossing : ''));
    b.onclick = function () { selectCell(c.id, null); };
    box.appendChild(b);
    sel.appendChild(el('option', { value: c.id }, c.name));
  });
}

function cellById(id) { return S.data.cells.filter(function (c) { return c.id == id; })[0]; }

function selectCell(id, step) {
  var c = cellById(id); if (!c) return;
  S.cell = c.id;
  $('cell').value = String(c.id);
  document.querySelectorAll('#cells button').forEach(function (b) { b.classList.toggle('sel', b.getAttribute('data-cell') == c.id); });
  var ss = $('step'); ss.innerHTML = '';
  var sa = $('stepA'); var sb = $('stepB'); sa.innerHTML = ''; sb.innerHTML = '';
  c.stepsList.forEach(function (s) { ss.appendChild(el('option', { value: s }, String(s))); sa.appendChild(el('option', { value: s }, String(s))); sb.appendChild(el('option', { value: s }, String(s))); });
  var last = c.stepsList[c.stepsList.length - 1];
  ss.value = String(step === null ? last : step);
  sa.value = String(c.stepsList[0]); sb.value = String(last);
  loadSamples(false);
}

function loadSamples(more) {
  if (!more) { $('samples').innerHTML = ''; S.next = null; }
  var q = '/api/cells/' + S.cell + '/samples?step=' + $('step').value + '&split=' + $('split').value + '&limit=' + $('limit').value;
  if ($('label').value) q += '&label=' + encodeURIComponent($('label').value);
  if (more && S.next !== null) q += '&after=' + S.next;
  get(q).then(function (page) {
    page.rows.forEach(function (r) {
      var d = el('div', { 'class': 'sample', 'data-id': r.sampleId });
      d.appendChild(el('span', { 'class': 'tag ' + r.label }, r.label));
      d.appendChild(document.createTextNode(' ' + r.promptId + ' #' + r.sampleIndex + ' '));
      d.appendChild(el('div', { 'class': 'answer' }, r.completion));
      d.title = r.reason;
      d.onclick = function () { compare(r.promptId); };
      $('samples').appendChild(d);
    });
    S.next = page.next;
    $('more').disabled = page.next === null;
    $('count').textContent = $('samples').children.length + ' shown' + (page.next === null ? ' (all)' : '');
  }).catch(showError);
}

function compare(promptId) {
  $('cmpPrompt').textContent = promptId; $('cmpPrompt').setAttribute('data-prompt', promptId);
  var a = $('stepA').value, b = $('stepB').value;
  get('/api/cells/' + S.cell + '/prompt?prompt=' + encodeURIComponent(promptId) + '&steps=' + a + ',' + b + '&split=' + $('split').value).then(function (res) {
    [['cmpA', a], ['cmpB', b]].forEach(function (p) {
      var box = $(p[0]); box.innerHTML = '';
      box.appendChild(el('b', {}, 'step ' + p[1]));
      var rows = res[p[1]] || [];
      if (rows.length && rows[0].prompt) box.appendChild(el('pre', {}, rows[0].prompt));
      rows.forEach(function (r) {
        var d = el('div', { 'class': 'answer' });
        d.appendChild(el('span', { 'class': 'tag ' + r.label }, r.label));
        d.appendChild(document.createTextNode(' ' + r.completion));
        box.appendChild(d);
      });
      if (!rows.length) box.appendChild(el('div', { 'class': 'muted' }, 'no answer at this step'));
    });
  }).catch(showError);
}

function drawChart() {
  var d = S.data; if (!d) return;
  var cls = $('cls').value, axis = $('axis').value;
  var pts = d.curves.filter(function (p) { return p.cls === cls; });
  var svg = $('chart'); while (svg.firstChild) svg.removeChild(svg.firstChild);
  var W = 640, H = 320, L = 48, R = 170, T = 14, B = 40, pw = W - L - R, ph = H - T - B;
  var xs = pts.map(function (p) { return p[axis]; }), pos = xs.filter(function (x) { return x > 0; });
  var c = pos.length ? Math.min.apply(null, pos) : 1, xmax = xs.length ? Math.max.apply(null, xs) : 1;
  function sl(x) { return Math.sign(x) * Math.log1p(Math.abs(x / c)); }
  function X(x) { return L + (xmax > 0 ? sl(x) / sl(xmax) : 0) * pw; }
  function Y(y) { return T + (1 - y) * ph; }
  function add(tag, attrs, text) { var e = document.createElementNS('http://www.w3.org/2000/svg', tag); for (var k in attrs) e.setAttribute(k, attrs[k]); if (text !== undefined) e.textContent = text; svg.appendChild(e); return e; }
  [0, 0.25, 0.5, 0.75, 1].forEach(function (y) { add('line', { x1: L, x2: L + pw, y1: Y(y), y2: Y(y), stroke: y === d.threshold ? '#888' : '#eee', 'stroke-dasharray': y === d.threshold ? '4 4' : '' }); add('text', { x: L - 6, y: Y(y) + 4, 'text-anchor': 'end', 'font-size': 11 }, String(y)); });
  var ticks = [0]; for (var e = Math.floor(Math.log10(c)); Math.pow(10, e) <= xmax * 1.0001; e++) [1, 3].forEach(function (m) { var v = m * Math.pow(10, e); if (v <= xmax * 1.0001) ticks.push(Number(v.toPrecision(3))); });
  ticks.forEach(function (t) { add('line', { x1: X(t), x2: X(t), y1: T, y2: T + ph, stroke: '#f2f2f2' }); add('text', { x: X(t), y: T + ph + 14, 'text-anchor': 'middle', 'font-size': 11 }, String(t)); });
  add('text', { x: L + pw / 2, y: H - 6, 'text-anchor': 'middle', 'font-size': 12 }, ({ step: 'gradient steps', samplesSeen: 'training samples seen', lrSteps: 'lr × steps' })[axis] + ' (symlog)');
  add('text', { x: 12, y: T + ph / 2, transform: 'rotate(-90 12 ' + (T + ph / 2) + ')', 'text-anchor': 'middle', 'font-size': 12 }, cls + ' rate');
  var groups = []; pts.forEach(function (p) { if (groups.indexOf(p.group) < 0) groups.push(p.group); });
  groups.forEach(function (g, i) {
    var col = COLORS[i % COLORS.length];
    var key = add('g', { 'class': 'legend', 'data-group': g, cursor: 'pointer', opacity: S.hidden[g] ? 0.35 : 1 });
    key.onclick = function () { S.hidden[g] = !S.hidden[g]; drawChart(); };
    var sw = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
    [['x', L + pw + 14], ['y', T + i * 18], ['width', 12], ['height', 12], ['fill', col]].forEach(function (a) { sw.setAttribute(a[0], a[1]); });
    var lab = document.createElementNS('http://www.w3.org/2000/svg', 'text');
    [['x', L + pw + 30], ['y', T + i * 18 + 10], ['font-size', 12]].forEach(function (a) { lab.setAttribute(a[0], a[1]); });
    lab.textContent = g; key.appendChild(sw); key.appendChild(lab);
    if (S.hidden[g]) return;
    var gp = pts.filter(function (p) { return p.group === g; }).sort(function (a, b) { return a[axis] - b[axis]; });
    var band = gp.map(function (p) { return X(p[axis]) + ',' + Y(p.hi); }).concat(gp.slice().reverse().map(function (p) { return X(p[axis]) + ',' + Y(p.lo); }));
    add('polygon', { points: band.join(' '), fill: col, opacity: 0.15 });
    add('polyline', { points: gp.map(function (p) { return X(p[axis]) + ',' + Y(p.mean); }).join(' '), fill: 'none', stroke: col, 'stroke-width': 2, 'class': 'curve', 'data-group': g });
    gp.forEach(function (p) {
      var dot = add('circle', { cx: X(p[axis]), cy: Y(p.mean), r: 4, fill: col, 'class': 'pt', 'data-group': g, 'data-step': p.step });
      dot.onmouseenter = function (ev) { var t = $('tip'); t.style.display = 'block'; t.style.left = ev.clientX + 12 + 'px'; t.style.top = ev.clientY + 12 + 'px'; t.textContent = g + ' · step ' + p.step + ' · ' + cls + ' ' + pct(p.mean) + ' [' + pct(p.lo) + ', ' + pct(p.hi) + '] · ' + p.nSeeds + ' seed(s)'; };
      dot.onmouseleave = function () { $('tip').style.display = 'none'; };
      dot.onclick = function () { var cell = S.data.cells.filter(function (c) { return c.family + ' lr=' + fmtLr(c.lr) === g; })[0]; if (cell) { $('label').value = ''; selectCell(cell.id, p.step); } };
    });
  });
}

function showError(e) { $('status').textContent = 'error: ' + e.message; }

window.addEventListener('DOMContentLoaded', function () {
  ['cls', 'axis'].forEach(function (id) { $(id).onchange = drawChart; });
  ['cell'].forEach(function (id) { $(id).onchange = function () { selectCell(Number($('cell').value), null); }; });
  ['step', 'split', 'label', 'limit'].forEach(function (id) { $(id).onchange = function () { loadSamples(false); }; });
  $('more').onclick = function () { loadSamples(true); };
  ['stepA', 'stepB'].forEach(function (id) { $(id).onchange = function () { var p = $('cmpPrompt').getAttribute('data-prompt'); if (p) compare(p); }; });
  loadSweeps();
});
`;

export function viewerPage(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>bctlab viewer</title><style>${BASE_CSS}${CSS}</style></head>
<body>
<nav><h1>bctlab</h1><h2>Sweeps</h2><div id="sweeps"></div><h2>Cells</h2><div id="cells"></div></nav>
<main>
<h1 id="title">bctlab viewer</h1><div id="status" class="muted"></div>
<table id="summary"><thead><tr><th>family</th><th>LR</th><th>last step</th><th>initial</th><th>alternate</th><th>other</th><th>steps to transfer</th><th>capability loss</th></tr></thead><tbody></tbody></table>
<h2>Transfer curves</h2>
<div class="controls">class <select id="cls"><option>initial</option><option>alternate</option><option>other</option></select>
x <select id="axis"><option value="step">gradient steps</option><option value="samplesSeen">samples seen</option><option value="lrSteps">lr × steps</option></select>
<span class="muted">mean over seeds, band = seeds' range; click a point for its answers, a legend entry to hide its curve</span></div>
<svg id="chart" width="640" height="320"></svg>
<h2>Answers</h2>
<div class="controls">cell <select id="cell"></select> step <select id="step"></select>
split <select id="split"><option>eval</option><option>train</option></select>
class <select id="label"><option value="">all</option><option>initial</option><option>alternate</option><option>other</option><option>compatible</option><option>incompatible</option><option>error</option></select>
page <select id="limit"><option>20</option><option selected>50</option><option>200</option></select>
<span id="count" class="muted"></span></div>
<div id="samples"></div><button id="more">more</button>
<h2>Side by side: prompt <span id="cmpPrompt" class="muted">(click an answer)</span></h2>
<div class="controls">step A <select id="stepA"></select> step B <select id="stepB"></select></div>
<div class="cmp"><div id="cmpA"></div><div id="cmpB"></div></div>
</main><div id="tip"></div>
<script>${SCRIPT}</script>
</body></html>
`;
}
