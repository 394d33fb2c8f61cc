// The viewer's single page: HTML, CSS and a small script without a framework. The charts are the report's
// own Vega-Lite specs, compiled to Vega on the server and drawn here by vega (inlined from the vega
// package, so the page needs nothing from the network); the verdict table and the setting are the report's
// own HTML. Hover a point for its values, click one to open that series' answers at that step. Answers are
// chats with the grader's reason beside each; drill-down: two checkpoints side by side, the prompts that
// flipped between them, a prompt × LR matrix of classes at a step, search by prompt id or text, and a
// comparison of checked sweeps. The script avoids template literals so that it can sit inside this file's
// template string unchanged.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { BASE_CSS } from './html.js';

const CSS = `
body{display:flex;min-height:100vh}
nav{width:260px;flex:none;background:#fff;border-right:1px solid #ddd;padding:12px;overflow:auto}
nav h2{font-size:14px;margin:12px 0 4px;border:0}
nav .sweep{display:flex;gap:4px;align-items:center}
nav button{display:block;width:100%;text-align:left;border:1px solid #ddd;background:#fafafa;margin:2px 0;padding:4px 6px;cursor:pointer;font-size:13px}
nav button.sel{background:#e7e3f5;border-color:#6a3d9a}
main{flex:1;max-width:none;min-width:0}
.controls{display:flex;gap:10px;align-items:center;flex-wrap:wrap;margin:6px 0}
.chart{background:#fff;border:1px solid #ddd;padding:6px;max-width:100%;overflow:auto}
#tip{position:fixed;pointer-events:none;background:#222;color:#fff;font-size:12px;padding:3px 6px;border-radius:3px;display:none;white-space:pre}
#samples{max-height:520px;overflow:auto}
.sample{margin:4px 0 10px;cursor:pointer}.sample:hover .msg.assistant{border-color:#6a3d9a}
.cmp{display:flex;gap:12px}.cmp>div{flex:1;min-width:0}
table.matrix td.cls{width:18px;height:14px;padding:0;cursor:pointer}
td.cls.initial{background:#6a3d9a}td.cls.alternate{background:#1f9e89}td.cls.other{background:#b42318}td.cls.mixed{background:#aaa}td.cls.error{background:#444}
td.cls.compatible{background:#17803d}td.cls.incompatible{background:#b42318}
table.matrix th{font-size:11px;padding:2px 3px;white-space:nowrap}table.matrix th.col{writing-mode:vertical-rl;transform:rotate(180deg);text-align:left}
.hit{cursor:pointer}.hit:hover{background:#f0eefa}
`;

const SCRIPT = String.raw`
var S = { sweep: null, data: null, cell: null, next: null, views: [], prompt: null };
function $(id) { return document.getElementById(id); }
function el(tag, attrs, text) { var e = document.createElement(tag); for (var k in attrs || {}) e.setAttribute(k, attrs[k]); if (text !== undefined) e.textContent = text; return e; }
function get(path) { return fetch(path).then(function (r) { return r.json().then(function (j) { if (!r.ok) throw new Error(j.error || r.status); return j; }); }); }
function showError(e) { $('status').textContent = 'error: ' + e.message; }
function options(sel, values, labels) { sel.innerHTML = ''; values.forEach(function (v, i) { sel.appendChild(el('option', { value: v }, String(labels ? labels[i] : v))); }); }

// A recorded prompt (messages JSON) as chat bubbles, as the report draws them (src/report/setting-view.ts).
function chat(promptJson) {
  var box = el('div', { 'class': 'chat' }), msgs;
  try { msgs = JSON.parse(promptJson); } catch (e) { msgs = null; }
  if (!Array.isArray(msgs)) msgs = [{ role: 'user', content: String(promptJson) }];
  msgs.forEach(function (m) { var d = el('div', { 'class': 'msg ' + m.role }); d.appendChild(el('span', { 'class': 'role' }, m.role)); d.appendChild(document.createTextNode(typeof m.content === 'string' ? m.content : JSON.stringify(m.content))); box.appendChild(d); });
  return box;
}
function answer(r, caption) {
  var d = el('div', { 'class': 'msg assistant' });
  if (caption) d.appendChild(el('span', { 'class': 'role' }, caption));
  d.appendChild(el('span', { 'class': 'tag ' + r.label }, r.label));
  d.appendChild(document.createTextNode(' '));
  d.appendChild(el('span', { 'class': 'answer' }, r.completion));
  d.appendChild(el('div', { 'class': 'reason' }, 'grader: ' + r.reason));
  return d;
}

function loadSweeps() {
  get('/api/sweeps').then(function (list) {
    var box = $('sweeps'); box.innerHTML = '';
    list.forEach(function (s) {
      var row = el('div', { 'class': 'sweep' });
      var cb = el('input', { type: 'checkbox', 'data-compare': s.id, title: 'compare' });
      cb.onchange = function () { $('compare').disabled = document.querySelectorAll('#sweeps input:checked').length < 2; };
      var b = el('button', { 'data-sweep': s.id }, s.name + ' (' + s.cells + ' cells)');
      b.onclick = function () { openSweep(s.id); };
      row.appendChild(cb); row.appendChild(b); box.appendChild(row);
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
    $('verdicts').innerHTML = d.verdictHtml;
    $('setting').innerHTML = d.settingHtml;
    renderCells(d);
    options($('mxFamily'), d.style.families);
    drawCharts(d).then(function () { $('charts').setAttribute('data-drawn', String(d.charts.length)); });
    if (d.cells.length) selectCell(d.cells[0].id, null);
  }).catch(showError);
}

function renderCells(d) {
  var box = $('cells'); box.innerHTML = '';
  var sel = $('cell'); sel.innerHTML = '';
  d.cells.forEach(function (c) {
    var b = el('button', { 'data-cell': c.id, title: 'steps to transfer for this seed: ' + (c.crossing || '-') }, c.group + ' seed ' + c.seed + (c.crossing ? '  · ' + c.crossing : ''));
    b.onclick = function () { selectCell(c.id, null); };
    box.appendChild(b);
    sel.appendChild(el('option', { value: c.id }, c.name));
  });
}

// Every chart of the sweep, drawn by vega from the server's compiled spec.
function drawCharts(d) {
  S.views.forEach(function (v) { v.finalize(); }); S.views = [];
  var box = $('charts'); box.innerHTML = '';
  var last = null;
  return Promise.all(d.charts.map(function (c) {
    if (c.section !== last) { box.appendChild(el('h3', {}, c.sectionTitle)); last = c.section; }
    var div = el('div', { 'class': 'chart', 'data-chart': c.id });
    box.appendChild(div);
    var view = new vega.View(vega.parse(c.vega), { renderer: 'svg', container: div, hover: true });
    view.tooltip(tooltip);
    view.addEventListener('click', function (ev, item) { openPoint(item && item.datum); });
    S.views.push(view);
    return view.runAsync();
  }));
}

function tooltip(handler, ev, item, value) {
  var t = $('tip');
  if (value === undefined || value === null || value === '') { t.style.display = 'none'; return; }
  t.textContent = typeof value === 'object' ? Object.keys(value).map(function (k) { return k + ': ' + value[k]; }).join('\n') : String(value);
  t.style.display = 'block'; t.style.left = ev.clientX + 12 + 'px'; t.style.top = ev.clientY + 12 + 'px';
}

// A point of a rate chart carries its series (group) and step: open that series' first seed there.
function openPoint(datum) {
  if (!datum || datum.step === undefined) return;
  var cell = S.data.cells.filter(function (c) { return datum.cell !== undefined ? c.group + ' seed ' + c.seed === datum.cell : c.group === datum.group; })[0];
  if (!cell) return;
  $('label').value = '';
  selectCell(cell.id, datum.step);
  $('drill').scrollIntoView();
}

function cellById(id) { return S.data.cells.filter(function (c) { return c.id == id; })[0]; }

function selectCell(id, step) {
  var c = cellById(id); if (!c) return;
  S.cell = c.id;
  $('cell').value = String(c.id);
  document.querySelectorAll('#cells button').forEach(function (b) { b.classList.toggle('sel', b.getAttribute('data-cell') == c.id); });
  ['step', 'stepA', 'stepB', 'mxStep'].forEach(function (id) { options($(id), c.stepsList); });
  var last = c.stepsList[c.stepsList.length - 1];
  $('step').value = String(step === null ? last : step);
  $('stepA').value = String(c.stepsList[0]); $('stepB').value = String(last); $('mxStep').value = String(last);
  $('mxFamily').value = c.family;
  loadSamples(false);
}

function loadSamples(more) {
  if (!more) { $('samples').innerHTML = ''; S.next = null; }
  var q = '/api/cells/' + S.cell + '/samples?step=' + $('step').value + '&split=' + $('split').value + '&limit=' + $('limit').value;
  if ($('label').value) q += '&label=' + encodeURIComponent($('label').value);
  if (more && S.next !== null) q += '&after=' + S.next;
  get(q).then(function (page) {
    page.rows.forEach(function (r) {
      var d = el('div', { 'class': 'sample', 'data-id': r.sampleId, 'data-prompt': r.promptId });
      d.appendChild(el('div', { 'class': 'muted' }, r.promptId + ' · answer ' + (r.sampleIndex + 1)));
      d.appendChild(chat(r.prompt));
      d.appendChild(answer(r));
      d.onclick = function () { compare(r.promptId); };
      $('samples').appendChild(d);
    });
    S.next = page.next;
    $('more').disabled = page.next === null;
    $('count').textContent = $('samples').children.length + ' shown' + (page.next === null ? ' (all)' : '');
  }).catch(showError);
}

function compare(promptId) {
  S.prompt = promptId;
  $('cmpPrompt').textContent = promptId; $('cmpPrompt').setAttribute('data-prompt', promptId);
  var a = $('stepA').value, b = $('stepB').value;
  get('/api/cells/' + S.cell + '/prompt?prompt=' + encodeURIComponent(promptId) + '&steps=' + a + ',' + b + '&split=' + $('split').value).then(function (res) {
    [['cmpA', a], ['cmpB', b]].forEach(function (p) {
      var box = $(p[0]); box.innerHTML = '';
      box.appendChild(el('b', {}, 'step ' + p[1]));
      var rows = res[p[1]] || [];
      if (rows.length) box.appendChild(chat(rows[0].prompt));
      rows.forEach(function (r) { box.appendChild(answer(r)); });
      if (!rows.length) box.appendChild(el('div', { 'class': 'muted' }, 'no answer at this step'));
    });
  }).catch(showError);
}

function loadFlips() {
  var a = $('stepA').value, b = $('stepB').value;
  get('/api/sweeps/' + S.sweep + '/flips?cell=' + S.cell + '&a=' + a + '&b=' + b + '&split=' + $('split').value).then(function (res) {
    var box = $('flips'); box.innerHTML = '';
    box.appendChild(el('div', { 'class': 'muted' }, res.flips.length + ' prompts changed class between step ' + a + ' and step ' + b));
    res.flips.forEach(function (f) {
      var d = el('div', { 'class': 'hit flip', 'data-prompt': f.promptId });
      d.appendChild(el('span', { 'class': 'tag ' + f.from.label }, f.from.label));
      d.appendChild(document.createTextNode(' → '));
      d.appendChild(el('span', { 'class': 'tag ' + f.to.label }, f.to.label));
      d.appendChild(document.createTextNode(' ' + f.promptId + ': ' + f.text));
      d.onclick = function () { compare(f.promptId); };
      box.appendChild(d);
    });
  }).catch(showError);
}

function loadMatrix() {
  var q = '/api/sweeps/' + S.sweep + '/matrix?step=' + $('mxStep').value + '&family=' + encodeURIComponent($('mxFamily').value) + '&split=' + $('split').value + '&limit=500';
  get(q).then(function (m) {
    var t = $('matrix'); t.innerHTML = '';
    var head = el('tr'); head.appendChild(el('th', {}, 'prompt'));
    m.columns.forEach(function (c) { head.appendChild(el('th', { 'class': 'col', title: c.group + ' seed ' + c.seed }, c.lrLabel + ' seed ' + c.seed)); });
    head.appendChild(el('th', {}, 'text'));
    t.appendChild(head);
    m.rows.forEach(function (r) {
      var tr = el('tr', { 'data-prompt': r.promptId }); tr.appendChild(el('td', {}, r.promptId));
      r.classes.forEach(function (cls, i) {
        var td = el('td', { 'class': 'cls ' + (cls || ''), title: m.columns[i].group + ' seed ' + m.columns[i].seed + ': ' + (cls || 'no answer') });
        td.onclick = function () { selectCell(m.columns[i].cellId, m.step); compare(r.promptId); };
        tr.appendChild(td);
      });
      tr.appendChild(el('td', { 'class': 'muted' }, r.text));
      t.appendChild(tr);
    });
    $('mxCount').textContent = m.rows.length + ' of ' + m.total + ' prompts at step ' + m.step;
  }).catch(showError);
}

function search() {
  var q = $('search').value.trim(); if (!q) return;
  get('/api/sweeps/' + S.sweep + '/search?q=' + encodeURIComponent(q)).then(function (res) {
    var box = $('hits'); box.innerHTML = '';
    if (!res.hits.length) box.appendChild(el('div', { 'class': 'muted' }, 'no prompt matches "' + q + '"'));
    res.hits.forEach(function (h) {
      var d = el('div', { 'class': 'hit', 'data-prompt': h.promptId }, h.split + ' ' + h.promptId + ': ' + h.text);
      d.onclick = function () { across(h.promptId, h.split); };
      box.appendChild(d);
    });
  }).catch(showError);
}

// One prompt in every cell at the answers panel's step.
function across(promptId, split) {
  get('/api/sweeps/' + S.sweep + '/prompt?prompt=' + encodeURIComponent(promptId) + '&split=' + split + '&step=' + $('step').value).then(function (res) {
    var box = $('across'); box.innerHTML = '';
    box.appendChild(el('b', {}, split + ' prompt ' + promptId + ' at step ' + res.step + ' in every cell'));
    if (res.prompt) box.appendChild(chat(res.prompt));
    res.cells.forEach(function (c) {
      var row = el('div', { 'class': 'across-cell', 'data-cell': c.cellId });
      row.appendChild(el('div', { 'class': 'muted' }, c.group + ' seed ' + c.seed + (c.step === null ? '' : ' · step ' + c.step)));
      c.answers.forEach(function (r) { row.appendChild(answer(r)); });
      if (!c.answers.length) row.appendChild(el('div', { 'class': 'muted' }, 'no answer'));
      box.appendChild(row);
    });
  }).catch(showError);
}

function compareSweeps() {
  var ids = Array.prototype.map.call(document.querySelectorAll('#sweeps input:checked'), function (cb) { return cb.getAttribute('data-compare'); });
  get('/api/compare?sweeps=' + ids.join(',')).then(function (c) {
    var box = $('comparison'); box.innerHTML = '';
    var div = el('div', { 'class': 'chart', 'data-chart': 'compare' }); box.appendChild(div);
    var view = new vega.View(vega.parse(c.chart), { renderer: 'svg', container: div, hover: true });
    view.tooltip(tooltip); S.views.push(view); view.runAsync();
    c.sweeps.forEach(function (s) {
      box.appendChild(el('h3', {}, s.name + ' (sweep ' + s.id + ')'));
      var ul = el('ul'); s.verdicts.forEach(function (v) { ul.appendChild(el('li', {}, v.group + ': ' + v.headline + ' · ' + v.seedNote)); }); box.appendChild(ul);
    });
    var t = el('table', { id: 'diff' }); var head = el('tr'); head.appendChild(el('th', {}, 'field'));
    c.sweeps.forEach(function (s) { head.appendChild(el('th', {}, s.name)); }); t.appendChild(head);
    c.diff.forEach(function (d) { var tr = el('tr'); tr.appendChild(el('td', {}, d.field)); d.values.forEach(function (v) { tr.appendChild(el('td', {}, v)); }); t.appendChild(tr); });
    box.appendChild(el('h3', {}, c.diff.length + ' fields of the specs and manifests differ'));
    box.appendChild(t);
    $('comparison-title').scrollIntoView();
  }).catch(showError);
}

window.addEventListener('DOMContentLoaded', function () {
  $('cell').onchange = function () { selectCell(Number($('cell').value), null); };
  ['step', 'split', 'label', 'limit'].forEach(function (id) { $(id).onchange = function () { loadSamples(false); }; });
  $('more').onclick = function () { loadSamples(true); };
  ['stepA', 'stepB'].forEach(function (id) { $(id).onchange = function () { if (S.prompt) compare(S.prompt); }; });
  $('flipsBtn').onclick = loadFlips;
  $('mxBtn').onclick = loadMatrix;
  $('searchBtn').onclick = search;
  $('search').onkeydown = function (e) { if (e.key === 'Enter') search(); };
  $('compare').onclick = compareSweeps;
  loadSweeps();
});
`;

/** The vega browser bundle from the installed package, read once. */
let vegaBundle: string | undefined;
function vegaScript(): string {
  if (vegaBundle === undefined) {
    const entry = createRequire(import.meta.url).resolve('vega');
    // Nothing in the bundle may close the <script> element it sits in.
    vegaBundle = readFileSync(join(dirname(entry), 'vega.min.js'), 'utf8').replace(/<\/script/gi, '<\\/script');
  }
  return vegaBundle;
}

export function viewerPage(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>bctlab viewer</title><style>${BASE_CSS}${CSS}</style></head>
<body>
<nav><h1>bctlab</h1><h2>Sweeps</h2><div id="sweeps"></div><button id="compare" disabled>compare the checked sweeps</button><h2>Cells</h2><div id="cells"></div></nav>
<main>
<h1 id="title">bctlab viewer</h1><div id="status" class="muted"></div>
<h2>Verdicts</h2><section id="verdicts"></section>
<h2>Charts</h2><p class="muted">The report's charts. Hover a point for its values; click one to open that series' answers at that step.</p>
<div id="charts"></div>
<h2 id="drill">Answers</h2>
<div class="controls">cell <select id="cell"></select> step <select id="step"></select>
split <select id="split"><option>eval</option><option>train</option></select>
class <select id="label"><option value="">all</option><option>initial</option><option>alternate</option><option>other</option><option>compatible</option><option>incompatible</option><option>error</option></select>
page <select id="limit"><option>20</option><option selected>50</option><option>200</option></select>
<span id="count" class="muted"></span></div>
<div id="samples"></div><button id="more">more</button>
<h3>Side by side: prompt <span id="cmpPrompt" class="muted">(click an answer)</span></h3>
<div class="controls">step A <select id="stepA"></select> step B <select id="stepB"></select> <button id="flipsBtn">prompts that flipped between A and B</button></div>
<div class="cmp"><div id="cmpA"></div><div id="cmpB"></div></div>
<div id="flips"></div>
<h3>Prompt × LR: each prompt's class in each cell</h3>
<div class="controls">method <select id="mxFamily"></select> step <select id="mxStep"></select> <button id="mxBtn">show</button> <span id="mxCount" class="muted"></span>
<span><span class="tag initial">initial</span> <span class="tag alternate">alternate</span> <span class="tag other">other</span> <span class="tag mixed">mixed (a tie)</span> · click a cell for its answers</span></div>
<div style="overflow:auto"><table id="matrix" class="matrix"></table></div>
<h3>Search prompts</h3>
<div class="controls"><input id="search" size="30" placeholder="prompt id or text"> <button id="searchBtn">search</button></div>
<div id="hits"></div><div id="across"></div>
<h2 id="comparison-title">Comparison</h2><p class="muted">Check two or more sweeps on the left and press "compare".</p><div id="comparison"></div>
<h2>The setting</h2><section id="setting"></section>
</main><div id="tip"></div>
<script>${vegaScript()}</script>
<script>${SCRIPT}</script>
</body></html>
`;
}
