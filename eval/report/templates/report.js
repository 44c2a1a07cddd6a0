"use strict";
// Draws the whole report from the embedded JSON. Texts from corpora and systems
// only ever reach the page through textContent, setAttribute or new Option:
// nothing here parses data as HTML.
(function () {
  const DATA = JSON.parse(document.getElementById("report-data").textContent);
  const SVGNS = "http://www.w3.org/2000/svg";
  const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd"];
  const CLUSTER_COLORS = ["#2e7d32", "#558b2f", "#9e9d24", "#f9a825", "#ef6c00", "#d84315", "#c62828", "#6d4c41"];
  const UNSPACED = new Set(["zh", "ja", "th", "lo", "km", "my"]);
  const PAGE_SIZE = 20;
  const $ = (id) => document.getElementById(id);
  let T = null;          // the test set shown
  let cache = {};        // per test set: derived arrays, built on first use
  const ex = { page: 0 };

  // ---------- DOM helpers ----------
  function fill(node, attrs, kids) {
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined) continue;
      if (k === "text") node.textContent = String(v);
      else node.setAttribute(k, String(v));
    }
    for (const kid of kids.flat()) {
      if (kid === null || kid === undefined || kid === false) continue;
      node.appendChild(typeof kid === "object" ? kid : document.createTextNode(String(kid)));
    }
    return node;
  }
  const el = (tag, attrs, ...kids) => fill(document.createElement(tag), attrs, kids);
  const sv = (tag, attrs, ...kids) => fill(document.createElementNS(SVGNS, tag), attrs, kids);
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }
  function options(select, items, keep) {
    const before = select.value;
    clear(select);
    for (const [value, label] of items) select.appendChild(new Option(label, value));
    if (keep && items.some(([v]) => v === before)) select.value = before;
  }
  const fmt = (x, d = 2) => (x === null || x === undefined || Number.isNaN(x) ? "\u2013" : Number(x).toFixed(d));
  const sysColor = (name) => PALETTE[T.systems.indexOf(name) % PALETTE.length];
  const clusterColor = (c) => CLUSTER_COLORS[Math.min(c - 1, CLUSTER_COLORS.length - 1)];
  const metricNames = () => T.metrics.map((m) => m.name);
  const hib = (metric) => (T.metrics.find((m) => m.name === metric) || { higher_is_better: true }).higher_is_better;
  const entry = (system, metric) => (T.entries[system] || {})[metric] || {};
  const tgtLang = () => String(T.langs).split("-").pop();
  // A large test set carries a selection of rows (T.rows: their 0-based segment
  // indices); every per-row array is indexed by position in it.
  const rowCount = () => T.text.source.length;
  const segNo = (i) => (T.rows ? T.rows[i] : i) + 1;
  const flagCount = (flag, system) => (T.flag_counts ? (T.flag_counts[flag] || {})[system] ?? 0 : ((T.flags[flag] || {})[system] || []).length);
  // rows for analyses that must not be biased towards the worst and best: the random sample
  const sampleRows = () => (T.selection ? T.selection.sample : [...Array(rowCount()).keys()]);

  function ranked(metric) {
    const sign = hib(metric) ? -1 : 1;
    return T.systems.slice().sort((a, b) => sign * ((entry(a, metric).score ?? 0) - (entry(b, metric).score ?? 0)));
  }
  function better(a, b, metric) { return hib(metric) ? a > b : a < b; }

  // ---------- scales and small charts ----------
  function niceTicks(lo, hi, count) {
    if (!(hi > lo)) { hi = lo + 1; }
    const raw = (hi - lo) / count, mag = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 5, 10].map((f) => f * mag).find((s) => s >= raw) || raw;
    const ticks = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) ticks.push(Number(v.toFixed(10)));
    return ticks;
  }
  function linear(d0, d1, r0, r1) {
    const span = d1 - d0 || 1;
    return (v) => r0 + ((v - d0) / span) * (r1 - r0);
  }
  function svgBox(width, height) {
    return sv("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img" });
  }
  function xAxis(svg, x, ticks, y0, y1) {
    for (const t of ticks) {
      svg.appendChild(sv("line", { x1: x(t), x2: x(t), y1: y0, y2: y1, class: "grid" }));
      svg.appendChild(sv("text", { x: x(t), y: y1 + 13, "text-anchor": "middle", text: fmt(t, Math.abs(t) < 10 && t % 1 ? 1 : 0) }));
    }
  }
  function quantile(sorted, q) {
    if (!sorted.length) return null;
    const pos = (sorted.length - 1) * q, lo = Math.floor(pos), hi = Math.ceil(pos);
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
  }
  function legend(names) {
    return el("div", { class: "legend" }, names.map((n) => el("span", { style: `--c:${sysColor(n)}`, text: n })));
  }

  // ---------- header and test set choice ----------
  function renderHeader() {
    $("run-title").textContent = `mteval report: ${DATA.name}`;
    $("run-meta").textContent = `created ${DATA.created} \u00b7 mteval ${DATA.mteval_version} \u00b7 ` +
      `${DATA.testsets.length} test set${DATA.testsets.length === 1 ? "" : "s"}`;
    options($("testset-select"), DATA.testsets.map((t, i) => [String(i), `${t.name} (${t.langs}, ${t.n} segments)`]));
    $("testset-select").addEventListener("change", (e) => showTestset(Number(e.target.value)));
  }

  function showTestset(index) {
    T = DATA.testsets[index];
    cache = {};
    ex.page = 0;
    // every chart and table picks its metric here, so the label says which way is better
    const metricItems = metricNames().map((m) => [m, `${m} ${hib(m) ? "\u2191 higher is better" : "\u2193 lower is better"}`]);
    for (const id of ["wins-metric", "chart-metric", "bucket-metric", "ex-metric", "cmp-metric"]) options($(id), metricItems);
    const sysItems = T.systems.map((s) => [s, s]);
    options($("ex-system"), [["", "all systems"], ...sysItems]);
    const order = metricNames().length ? ranked(metricNames()[0]) : T.systems;
    options($("cmp-a"), sysItems);
    options($("cmp-b"), sysItems);
    if (order.length) $("cmp-a").value = order[0];
    if (order.length > 1) $("cmp-b").value = order[1];
    options($("ex-doc"), [["", "all"], ...(T.docs ? [...new Set(T.docs)].map((d) => [d ?? "", d ?? "(none)"]) : [])]);
    options($("ex-flag"), [["", "any"], ...Object.keys(T.flags).map((f) => [f, f])]);
    $("ex-doc").disabled = !T.docs;
    renderLeaderboard();
    renderWins();
    renderCharts();
    renderBuckets();
    renderSelectionNotice();
    renderExplorer();
    renderHumanControls();
    renderHuman();
    renderSystems();
    renderNotes();
    scheduleCompare();
  }

  // ---------- leaderboard ----------
  function scoreCell(system, metric) {
    const e = entry(system, metric);
    const td = el("td", { "data-metric": metric }, fmt(e.score));
    if (e.cluster) td.appendChild(el("span", { class: "cluster", style: `background:${clusterColor(e.cluster)}`, title: `significance cluster ${e.cluster}`, text: e.cluster }));
    if (e.ci) td.appendChild(el("div", { class: "ci", text: `[${fmt(e.ci[0])}, ${fmt(e.ci[1])}]` }));
    return td;
  }
  let boardMetric = null;  // the leaderboard's sort column (click a metric header)
  function renderLeaderboard() {
    const metrics = metricNames();
    if (!metrics.includes(boardMetric)) boardMetric = metrics[0] ?? null;
    const order = boardMetric ? ranked(boardMetric) : T.systems;
    const head = el("tr", {}, el("th", { text: "#" }), el("th", { class: "name", text: "system" }),
      metrics.map((m) => {
        const th = el("th", { class: m === boardMetric ? "sortable sorted" : "sortable", "data-metric": m,
          title: `sort by ${m}; signature ${T.metrics.find((x) => x.name === m).signature}`, text: `${m} ${hib(m) ? "\u2191" : "\u2193"}` });
        th.addEventListener("click", () => { boardMetric = m; renderLeaderboard(); });
        return th;
      }));
    const rows = order.map((s, i) => el("tr", { "data-system": s }, el("td", { text: i + 1 }),
      el("td", { class: "name" }, el("a", { href: `#system-${T.systems.indexOf(s)}`, text: s })),
      metrics.map((m) => scoreCell(s, m))));
    const body = clear($("leaderboard-body"));
    body.appendChild(el("p", { class: "help", text: `${T.name}: ${T.langs}, ${T.n} segments, references ${T.refs.join(", ") || "none"}. ` +
      "Score, 95% bootstrap interval and significance cluster (1 = top; systems in one cluster are not significantly different)." }));
    body.appendChild(el("table", { id: "leaderboard-table" }, el("thead", {}, head), el("tbody", {}, rows)));
    body.appendChild(el("details", {}, el("summary", { text: "Markdown summary (for pull-request comments)" }),
      el("pre", { text: DATA.leaderboard_md || "(leaderboard.md not found in the run directory)" })));
  }

  function renderWins() {
    const metric = $("wins-metric").value;
    $("alpha").textContent = T.alpha;
    $("wins-test").textContent = T.test === "ar" ? "paired approximate randomisation" : "paired bootstrap";
    const box = clear($("win-matrix"));
    const p = (T.significance || {})[metric];
    if (!p) { box.appendChild(el("p", { class: "placeholder", text: "No pairwise tests for this metric (one system, or no statistics in stats.npz)." })); return; }
    const order = ranked(metric);
    const idx = (s) => T.systems.indexOf(s);
    const head = el("tr", {}, el("th", { class: "name", text: "row beats column" }), order.map((s, k) => el("th", { title: s, text: k + 1 })), el("th", { text: "wins" }));
    const rows = order.map((a, k) => {
      let wins = 0;
      const cells = order.map((b) => {
        if (a === b) return el("td", { class: "tie-cell", text: "\u2014" });
        const pv = p[idx(a)][idx(b)], sa = entry(a, metric).score, sb = entry(b, metric).score;
        const sig = pv !== null && pv < T.alpha;
        const w = sig && better(sa, sb, metric), l = sig && better(sb, sa, metric);
        if (w) wins += 1;
        return el("td", { class: w ? "win-cell" : l ? "loss-cell" : "tie-cell", title: `${a} vs ${b}: p = ${fmt(pv, 4)}`, text: w ? "W" : l ? "L" : "\u00b7" });
      });
      return el("tr", {}, el("td", { class: "name", text: `${k + 1}. ${a}` }), cells, el("td", { text: wins }));
    });
    box.appendChild(el("table", { id: "win-table" }, el("thead", {}, head), el("tbody", {}, rows)));
  }

  // ---------- charts ----------
  function renderCharts() {
    const metric = $("chart-metric").value;
    drawIntervals(clear($("chart-intervals")), metric);
    drawDistribution(clear($("chart-distribution")), metric);
  }
  function rowChart(n) { const left = 150, rowH = 20; return { left, rowH, width: 580, height: n * rowH + 34 }; }
  function rowLabel(svg, name, y) {
    svg.appendChild(sv("text", { x: 144, y: y + 4, "text-anchor": "end" }, name.length > 22 ? name.slice(0, 21) + "\u2026" : name));
  }
  function drawIntervals(box, metric) {
    const order = ranked(metric);
    const lo = Math.min(...order.map((s) => (entry(s, metric).ci || [entry(s, metric).score])[0]));
    const hi = Math.max(...order.map((s) => { const e = entry(s, metric); return e.ci ? e.ci[1] : e.score; }));
    const g = rowChart(order.length), pad = (hi - lo) * 0.05 || 1;
    const x = linear(lo - pad, hi + pad, g.left, g.width - 12);
    const svg = svgBox(g.width, g.height);
    xAxis(svg, x, niceTicks(lo - pad, hi + pad, 6), 4, g.height - 26);
    order.forEach((s, k) => {
      const e = entry(s, metric), y = 14 + k * g.rowH, color = e.cluster ? clusterColor(e.cluster) : "#555";
      rowLabel(svg, s, y);
      if (e.ci) svg.appendChild(sv("line", { x1: x(e.ci[0]), x2: x(e.ci[1]), y1: y, y2: y, stroke: color, "stroke-width": 2 }));
      svg.appendChild(sv("circle", { cx: x(e.score), cy: y, r: 4, fill: color },
        sv("title", { text: `${s}: ${fmt(e.score)}${e.ci ? ` [${fmt(e.ci[0])}, ${fmt(e.ci[1])}]` : ""}${e.cluster ? `, cluster ${e.cluster}` : ""}` })));
    });
    box.appendChild(svg);
  }
  function sortedScores(metric, system) {
    const key = `sorted|${metric}|${system}`;
    if (!cache[key]) cache[key] = (T.scores[metric]?.[system] || []).filter((v) => v !== null).sort((a, b) => a - b);
    return cache[key];
  }
  function drawDistribution(box, metric) {
    const order = ranked(metric);
    const stats = order.map((s) => {
      const whole = ((T.distribution || {})[metric] || {})[s];
      if (whole) return { s, q: whole.q, mean: whole.mean };
      const v = sortedScores(metric, s);
      return { s, q: [0.05, 0.25, 0.5, 0.75, 0.95].map((q) => quantile(v, q)), mean: v.reduce((a, b) => a + b, 0) / (v.length || 1) };
    });
    const lo = Math.min(...stats.map((d) => d.q[0] ?? 0)), hi = Math.max(...stats.map((d) => d.q[4] ?? 1));
    const g = rowChart(order.length);
    const x = linear(lo, hi, g.left, g.width - 12);
    const svg = svgBox(g.width, g.height);
    xAxis(svg, x, niceTicks(lo, hi, 6), 4, g.height - 26);
    stats.forEach((d, k) => {
      const y = 14 + k * g.rowH, c = sysColor(d.s);
      rowLabel(svg, d.s, y);
      if (d.q[0] === null) return;
      svg.appendChild(sv("line", { x1: x(d.q[0]), x2: x(d.q[4]), y1: y, y2: y, stroke: c }));
      svg.appendChild(sv("rect", { x: x(d.q[1]), y: y - 6, width: Math.max(1, x(d.q[3]) - x(d.q[1])), height: 12, fill: c, "fill-opacity": 0.35, stroke: c },
        sv("title", { text: `${d.s}: 5% ${fmt(d.q[0])}, 25% ${fmt(d.q[1])}, median ${fmt(d.q[2])}, 75% ${fmt(d.q[3])}, 95% ${fmt(d.q[4])}, mean ${fmt(d.mean)}` })));
      svg.appendChild(sv("line", { x1: x(d.q[2]), x2: x(d.q[2]), y1: y - 6, y2: y + 6, stroke: c, "stroke-width": 2 }));
      svg.appendChild(sv("circle", { cx: x(d.mean), cy: y, r: 2.5, fill: "#000" }));
    });
    box.appendChild(svg);
  }
  function lineChart(box, labels, counts, series, names) {
    const values = names.flatMap((n) => series[n] || []).filter((v) => v !== null && v !== undefined);
    if (!values.length) { box.appendChild(el("p", { class: "placeholder", text: "No scores for these buckets." })); return; }
    const lo = Math.min(...values), hi = Math.max(...values), pad = (hi - lo) * 0.08 || 1;
    const width = 580, height = 260, left = 44, bottom = 44;
    const x = (k) => left + 30 + (k * (width - left - 70)) / Math.max(1, labels.length - 1);
    const y = linear(lo - pad, hi + pad, height - bottom, 8);
    const svg = svgBox(width, height);
    for (const t of niceTicks(lo - pad, hi + pad, 5)) {
      svg.appendChild(sv("line", { x1: left, x2: width - 8, y1: y(t), y2: y(t), class: "grid" }));
      svg.appendChild(sv("text", { x: left - 4, y: y(t) + 4, "text-anchor": "end", text: fmt(t, 0) }));
    }
    labels.forEach((l, k) => {
      svg.appendChild(sv("text", { x: x(k), y: height - bottom + 14, "text-anchor": "middle", text: l }));
      if (counts) svg.appendChild(sv("text", { x: x(k), y: height - bottom + 27, "text-anchor": "middle", fill: "#5f6b7a", text: `n=${counts[k]}` }));
    });
    for (const n of names) {
      const pts = (series[n] || []).map((v, k) => (v === null || v === undefined ? null : [x(k), y(v), v, k]));
      const path = pts.filter(Boolean).map((p, i) => `${i ? "L" : "M"}${p[0].toFixed(1)},${p[1].toFixed(1)}`).join("");
      svg.appendChild(sv("path", { d: path, fill: "none", stroke: sysColor(n), "stroke-width": 1.5 }));
      for (const p of pts.filter(Boolean)) {
        svg.appendChild(sv("circle", { cx: p[0], cy: p[1], r: 2.5, fill: sysColor(n) }, sv("title", { text: `${n}, ${labels[p[3]]}: ${fmt(p[2])}` })));
      }
    }
    box.appendChild(svg);
    box.appendChild(legend(names));
  }

  // ---------- buckets ----------
  function renderBuckets() {
    const metric = $("bucket-metric").value;
    const names = ranked(metric);
    const b = T.buckets || {};
    const length = b.length || {};
    lineChart(clear($("chart-length")), length.labels || [], length.counts, (length.scores || {})[metric] || {}, names);
    const freq = b.frequency;
    const fbox = clear($("chart-frequency"));
    if (freq) lineChart(fbox, freq.labels, freq.counts, freq.scores, names);
    if (freq && freq.segments < T.n) fbox.appendChild(el("p", { class: "help", id: "frequency-sample", text: `From the random sample of ${freq.segments} of ${T.n} segments.` }));
    else fbox.appendChild(el("p", { class: "placeholder", text: "No reference: no frequency analysis." }));
    const groups = clear($("bucket-groups"));
    for (const [key, title] of [["domains", "By domain"], ["docs", "By document"]]) {
      const data = b[key];
      if (!data || !(data.scores || {})[metric]) continue;
      const details = el("details", { id: `bucket-${key}` }, el("summary", { text: `${title} (${data.labels.length}; corpus ${metric} of each, best system per row highlighted)` }));
      details.addEventListener("toggle", () => { if (details.open && details.childNodes.length === 1) details.appendChild(heatTable(data, metric, names)); });
      groups.appendChild(details);
    }
  }
  function heatTable(data, metric, names) {
    const scores = data.scores[metric];
    const head = el("tr", {}, el("th", { class: "name", text: "group" }), el("th", { text: "segments" }), names.map((n) => el("th", { text: n })));
    const rows = data.labels.map((label, k) => {
      const vals = names.map((n) => scores[n][k]).filter((v) => v !== null);
      const lo = Math.min(...vals), hi = Math.max(...vals);
      return el("tr", {}, el("td", { class: "name", text: label || "(none)" }), el("td", { text: data.counts[k] }), names.map((n) => {
        const v = scores[n][k];
        const t = v === null || hi === lo ? 0 : (hib(metric) ? v - lo : hi - v) / (hi - lo);
        return el("td", { style: `background: rgba(46,125,50,${(t * 0.45).toFixed(2)})`, text: fmt(v, 1) });
      }));
    });
    return el("table", { class: "heat" }, el("thead", {}, head), el("tbody", {}, rows));
  }

  // ---------- text diff ----------
  function diffTokens(text, unspaced) {
    return unspaced ? Array.from(text) : text.split(/(\s+)/).filter((t) => t.length);
  }
  // Which tokens of ``a`` belong to a longest common subsequence with ``b``.
  function lcsKeep(a, b) {
    const n = a.length, m = b.length, w = m + 1;
    const L = new Uint16Array((n + 1) * w);
    for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--)
      L[i * w + j] = a[i] === b[j] ? L[(i + 1) * w + j + 1] + 1 : Math.max(L[(i + 1) * w + j], L[i * w + j + 1]);
    const keep = new Array(n).fill(false);
    for (let i = 0, j = 0; i < n && j < m;) {
      if (a[i] === b[j]) { keep[i] = true; i++; j++; } else if (L[(i + 1) * w + j] >= L[i * w + j + 1]) i++; else j++;
    }
    return { keep, common: L[0] };
  }
  // ``hyp`` with the tokens outside its longest common subsequence with the
  // closest reference marked.
  function highlighted(hyp, refs) {
    const unspaced = UNSPACED.has(tgtLang());
    const a = diffTokens(hyp, unspaced);
    const span = el("span", { class: "txt" });
    let best = null;
    for (const ref of refs) {
      const b = diffTokens(ref || "", unspaced);
      if (!b.length || a.length * b.length > 250000) continue;
      const r = lcsKeep(a, b);
      if (!best || r.common > best.common) best = r;
    }
    if (!best) { span.textContent = hyp; return span; }
    const keep = best.keep;
    let run = "", runDiff = false;
    const flush = () => { if (run) span.appendChild(runDiff ? el("span", { class: "diff", text: run }) : document.createTextNode(run)); run = ""; };
    a.forEach((tok, i) => {
      const d = !keep[i] && tok.trim() !== "";
      if (d !== runDiff && tok.trim() !== "") { flush(); runDiff = d; }
      run += tok;
    });
    flush();
    return span;
  }

  // ---------- segment explorer ----------
  function perSegment(metric, kind) {
    const key = `${kind}|${metric}`;
    if (cache[key]) return cache[key];
    const cols = T.systems.map((s) => T.scores[metric]?.[s] || []);
    const out = new Float64Array(rowCount());
    for (let i = 0; i < rowCount(); i++) {
      let sum = 0, cnt = 0, lo = Infinity, hi = -Infinity;
      for (const c of cols) { const v = c[i]; if (v === null || v === undefined) continue; sum += v; cnt++; lo = Math.min(lo, v); hi = Math.max(hi, v); }
      out[i] = cnt ? (kind === "mean" ? sum / cnt : hi - lo) : NaN;
    }
    return (cache[key] = out);
  }
  function flagSet(flag, system) {
    const key = `flag|${flag}|${system}`;
    if (!cache[key]) {
      const per = T.flags[flag] || {};
      cache[key] = new Set((system ? [system] : Object.keys(per)).flatMap((s) => per[s] || []));
    }
    return cache[key];
  }
  function lowerTexts(i) {
    const key = "lower";
    if (!cache[key]) cache[key] = new Array(rowCount());
    if (!cache[key][i]) {
      cache[key][i] = [T.text.source[i], ...Object.values(T.text.refs).map((r) => r[i]), ...T.systems.map((s) => T.text.sys[s][i])].join("\n").toLowerCase();
    }
    return cache[key][i];
  }
  function explorerRows() {
    const system = $("ex-system").value, metric = $("ex-metric").value;
    const key = system ? (T.scores[metric]?.[system] || []) : perSegment(metric, "mean");
    const min = $("ex-min").value === "" ? -Infinity : Number($("ex-min").value);
    const max = $("ex-max").value === "" ? Infinity : Number($("ex-max").value);
    const doc = $("ex-doc").value, flag = $("ex-flag").value, text = $("ex-text").value.trim().toLowerCase();
    const flags = flag ? flagSet(flag, system) : null;
    const score = (i) => { const v = key[i]; return v === null || v === undefined ? NaN : v; };
    let rows = [];
    for (let i = 0; i < rowCount(); i++) {
      const v = score(i);
      if ((min > -Infinity || max < Infinity) && !(v >= min && v <= max)) continue;
      if (doc && T.docs && (T.docs[i] ?? "") !== doc) continue;
      if (flags && !flags.has(i)) continue;
      if (text && !lowerTexts(i).includes(text)) continue;
      rows.push(i);
    }
    const sort = $("ex-sort").value;
    const nanLast = (f) => (a, b) => { const x = f(a), y = f(b); return Number.isNaN(x) ? 1 : Number.isNaN(y) ? -1 : x - y || a - b; };
    if (sort === "score-asc") rows.sort(nanLast(score));
    else if (sort === "score-desc") rows.sort(nanLast((i) => -score(i)));
    else if (sort === "spread") { const s = perSegment(metric, "spread"); rows.sort(nanLast((i) => -s[i])); }
    else if (sort === "length") rows.sort((a, b) => T.text.source[b].length - T.text.source[a].length || a - b);
    return { rows, key: score };
  }
  // ---------- error spans (xCOMET) ----------
  const SEVERITIES = ["critical", "major", "minor"];
  // The explorer's metric when it predicts error spans: its spans then mark the outputs.
  function spanMetric() {
    const m = $("ex-metric").value;
    return (T.spans || {})[m] ? m : null;
  }
  // ``hyp`` with each error span in a <mark> named by its severity; offsets count
  // code points (as Python slices), so the text is split with Array.from.
  function marked(hyp, spans) {
    const chars = Array.from(hyp);
    const box = el("span", { class: "txt spans" });
    let at = 0;
    for (const [start, end, severity, confidence] of spans.slice().sort((a, b) => a[0] - b[0])) {
      if (start < at || end <= start) continue;
      if (start > at) box.appendChild(document.createTextNode(chars.slice(at, start).join("")));
      const kind = SEVERITIES.includes(severity) ? severity : "minor";
      box.appendChild(el("mark", { class: `err err-${kind}`, "data-severity": kind,
        title: `${kind} error, confidence ${fmt(confidence, 3)}`, text: chars.slice(start, end).join("") }));
      at = end;
    }
    if (at < chars.length) box.appendChild(document.createTextNode(chars.slice(at).join("")));
    return box;
  }
  function spanCounts(metric, system) {
    const c = ((T.spans[metric] || {}).counts || {})[system] || {};
    return SEVERITIES.map((k) => `${k} ${c[k] ?? 0}`).join(" \u00b7 ");
  }
  function hypText(i, s, refs) {
    const m = spanMetric();
    const spans = m && (T.spans[m].segments[s] || [])[i];
    return spans ? marked(T.text.sys[s][i], spans) : highlighted(T.text.sys[s][i], refs);
  }

  function segmentCard(i, systems, keyScore) {
    const refs = Object.values(T.text.refs).map((r) => r[i]);
    const head = el("div", { class: "seg-head" }, el("b", { text: `segment ${segNo(i)}` }),
      T.docs ? el("span", { text: `document ${T.docs[i] ?? "(none)"}` }) : null,
      T.domains ? el("span", { text: `domain ${T.domains[i] ?? ""}` }) : null,
      keyScore !== undefined ? el("span", { class: "key-score", text: `${$("ex-metric").value} ${$("ex-system").value || "mean"}: ${fmt(keyScore)}` }) : null);
    const card = el("div", { class: "seg", "data-seg": segNo(i), "data-score": Number.isNaN(keyScore) ? "" : keyScore }, head,
      el("div", { class: "seg-row src" }, el("span", { class: "who", text: "source" }), el("span", { class: "txt", text: T.text.source[i] }), el("span")));
    for (const [name, texts] of Object.entries(T.text.refs)) {
      card.appendChild(el("div", { class: "seg-row ref" }, el("span", { class: "who", text: `reference ${name}` }), el("span", { class: "txt", text: texts[i] }), el("span")));
    }
    for (const s of systems) {
      const scores = metricNames().map((m) => `${m} ${fmt(T.scores[m]?.[s]?.[i])}`).join(" \u00b7 ");
      const badges = Object.keys(T.flags).filter((f) => flagSet(f, s).has(i)).map((f) => el("span", { class: "flag", text: f }));
      card.appendChild(el("div", { class: "seg-row hyp", "data-system": s }, el("span", { class: "who", style: `color:${sysColor(s)}`, text: s }),
        hypText(i, s, refs), el("span", { class: "sc" }, scores, badges)));
    }
    return card;
  }
  function renderSelectionNotice() {
    const box = clear($("ex-notice"));
    box.hidden = !T.selection;
    if (!T.selection) return;
    const sel = T.selection, lim = sel.limits;
    box.appendChild(el("p", { text: `This test set has ${T.n} segments; the explorer shows a selection of ${sel.shown} of them: ` +
      `for each system the ${lim.worst_best} worst and the ${lim.worst_best} best segments by each metric, a random sample of ` +
      `${sel.sample.length} segments (seed ${lim.seed}, the same segments for every system) and its flagged segments ` +
      `(at most ${lim.flagged_cap} per system, a random choice beyond that). Charts, scores by bucket, flag counts and ` +
      `segment wins are computed from all ${T.n} segments; the frequency buckets, the scatter and the n-gram analysis from the random sample.` }));
    const cut = Object.entries(sel.per_system).filter(([, v]) => v.flagged_total > v.flagged);
    box.appendChild(el("p", { class: "flag-cut", text: cut.length
      ? `Flagged segments left out: ${cut.map(([s, v]) => `${s} ${v.flagged_total - v.flagged} of ${v.flagged_total}`).join(", ")}.`
      : "Every flagged segment is shown." }));
    box.appendChild(el("p", { text: `Every segment's scores and flags are in ${sel.full_data} (texts in texts.parquet) in the run directory.` }));
  }
  function renderExplorer() {
    const { rows, key } = explorerRows();
    const pages = Math.max(1, Math.ceil(rows.length / PAGE_SIZE));
    ex.page = Math.min(ex.page, pages - 1);
    const system = $("ex-system").value;
    const systems = system ? [system] : T.systems;
    const list = clear($("ex-list"));
    for (const i of rows.slice(ex.page * PAGE_SIZE, (ex.page + 1) * PAGE_SIZE)) list.appendChild(segmentCard(i, systems, key(i)));
    $("ex-status").textContent = T.rows ? `${rows.length} of ${rowCount()} selected segments (the test set has ${T.n}) \u00b7 page ${ex.page + 1} of ${pages}`
      : `${rows.length} of ${T.n} segments \u00b7 page ${ex.page + 1} of ${pages}`;
    $("ex-prev").disabled = ex.page === 0;
    $("ex-next").disabled = ex.page >= pages - 1;
    $("ex-list").dataset.total = rows.length;
  }

  // ---------- two-system comparison ----------
  let compareTimer = null;
  function scheduleCompare() {
    clearTimeout(compareTimer);
    compareTimer = setTimeout(renderCompare, 0);
  }
  function renderCompare() {
    const a = $("cmp-a").value, b = $("cmp-b").value, metric = $("cmp-metric").value;
    const xa = T.scores[metric]?.[a] || [], xb = T.scores[metric]?.[b] || [];
    const sample = sampleRows();
    drawScatter(clear($("cmp-scatter")), sample.map((i) => xa[i]), sample.map((i) => xb[i]), a, b, sample);
    const summary = clear($("cmp-summary"));
    let winA = 0, winB = 0, tie = 0;
    const diffs = [];
    for (let i = 0; i < rowCount(); i++) {
      if (xa[i] === null || xb[i] === null || xa[i] === undefined || xb[i] === undefined) continue;
      const d = hib(metric) ? xa[i] - xb[i] : xb[i] - xa[i];
      if (d > 0) winA++; else if (d < 0) winB++; else tie++;
      diffs.push([d, i]);
    }
    const whole = (T.wins || {})[metric];
    if (whole) {  // a selection: count over every segment of the test set
      const ia = T.systems.indexOf(a), ib = T.systems.indexOf(b);
      [winA, winB, tie] = [whole.better[ia][ib], whole.better[ib][ia], whole.ties[ia][ib]];
    }
    const pRow = (T.significance || {})[metric];
    const p = pRow && a !== b ? pRow[T.systems.indexOf(a)][T.systems.indexOf(b)] : null;
    summary.appendChild(el("table", { id: "cmp-table" },
      el("tr", {}, el("th", { class: "name", text: metric }), el("th", { text: a }), el("th", { text: b })),
      el("tr", {}, el("td", { class: "name", text: "corpus score" }), el("td", { text: fmt(entry(a, metric).score) }), el("td", { text: fmt(entry(b, metric).score) })),
      el("tr", {}, el("td", { class: "name", text: "segments where better" }), el("td", { text: winA }), el("td", { text: winB })),
      el("tr", {}, el("td", { class: "name", text: "ties" }), el("td", { colspan: 2, text: tie })),
      el("tr", {}, el("td", { class: "name", text: T.test === "ar" ? "paired approximate randomisation p" : "paired bootstrap p" }), el("td", { colspan: 2, text: p === null ? "\u2013" : fmt(p, 4) }))));
    diffs.sort((u, v) => v[0] - u[0] || u[1] - v[1]);
    const box = clear($("cmp-diff"));
    const best = (list, who) => el("div", {}, el("h4", { text: `${who} better by the most` }),
      list.filter((d) => d[0] !== 0).slice(0, 5).map(([, i]) => segmentCard(i, [a, b], undefined)));
    box.appendChild(best(diffs, a));
    box.appendChild(best(diffs.slice().reverse(), b));
    setTimeout(() => renderNgrams(a, b), 0);
  }
  function drawScatter(box, xa, xb, a, b, rows) {
    const vals = xa.concat(xb).filter((v) => v !== null && v !== undefined);
    if (!vals.length) { box.appendChild(el("p", { class: "placeholder", text: "No segment scores." })); return; }
    const lo = Math.min(...vals), hi = Math.max(...vals), size = 360, m = 40;
    const x = linear(lo, hi, m, size - 10), y = linear(lo, hi, size - m, 10);
    const svg = svgBox(size, size);
    for (const t of niceTicks(lo, hi, 5)) {
      svg.appendChild(sv("line", { x1: x(t), x2: x(t), y1: 10, y2: size - m, class: "grid" }));
      svg.appendChild(sv("line", { x1: m, x2: size - 10, y1: y(t), y2: y(t), class: "grid" }));
      svg.appendChild(sv("text", { x: x(t), y: size - m + 14, "text-anchor": "middle", text: fmt(t, 0) }));
      svg.appendChild(sv("text", { x: m - 4, y: y(t) + 4, "text-anchor": "end", text: fmt(t, 0) }));
    }
    svg.appendChild(sv("line", { x1: x(lo), y1: y(lo), x2: x(hi), y2: y(hi), stroke: "#999", "stroke-dasharray": "4 3" }));
    svg.appendChild(sv("text", { x: size / 2, y: size - 8, "text-anchor": "middle", text: `A: ${a}` }));
    svg.appendChild(sv("text", { x: 12, y: size / 2, transform: `rotate(-90 12 ${size / 2})`, "text-anchor": "middle", text: `B: ${b}` }));
    const g = sv("g", { fill: "#1f5fbf", "fill-opacity": 0.35, class: "points" });
    for (let i = 0; i < xa.length; i++) {
      if (xa[i] === null || xb[i] === null || xa[i] === undefined || xb[i] === undefined) continue;
      g.appendChild(sv("circle", { cx: x(xa[i]).toFixed(1), cy: y(xb[i]).toFixed(1), r: 2 }, sv("title", { text: `segment ${segNo(rows[i])}: ${fmt(xa[i])} / ${fmt(xb[i])}` })));
    }
    svg.appendChild(g);
    box.appendChild(svg);
  }
  function ngramTokens(text) {
    const lower = text.toLowerCase();
    return lower.match(UNSPACED.has(tgtLang()) ? /[a-z0-9]+|[\p{L}\p{N}]/gu : /[\p{L}\p{N}_]+/gu) || [];
  }
  function ngramCounts(toks) {
    const counts = new Map(), sep = UNSPACED.has(tgtLang()) ? "" : " ";
    for (let n = 1; n <= 4; n++) for (let i = 0; i + n <= toks.length; i++) {
      const g = toks.slice(i, i + n).join(sep);
      counts.set(g, (counts.get(g) || 0) + 1);
    }
    return counts;
  }
  // compare-mt's n-gram difference analysis: matches of each reference n-gram, clipped per segment.
  function ngramMatches(a, b) {
    const ref = Object.values(T.text.refs)[0];
    const match = new Map();
    if (!ref) return match;
    for (const i of sampleRows()) {
      const r = ngramCounts(ngramTokens(ref[i]));
      const ca = ngramCounts(ngramTokens(T.text.sys[a][i])), cb = ngramCounts(ngramTokens(T.text.sys[b][i]));
      for (const [g, c] of r) {
        const ma = Math.min(c, ca.get(g) || 0), mb = Math.min(c, cb.get(g) || 0);
        if (!ma && !mb) continue;
        const m = match.get(g) || [0, 0];
        m[0] += ma; m[1] += mb;
        match.set(g, m);
      }
    }
    return match;
  }
  function renderNgrams(a, b) {
    const box = clear($("cmp-ngrams"));
    if (a === b) { box.appendChild(el("p", { class: "placeholder", text: "Pick two different systems." })); return; }
    const rows = [...ngramMatches(a, b)].map(([g, [ma, mb]]) => [g, ma, mb, (ma + 1) / (ma + mb + 2)]);
    const table = (title, list, id) => el("div", {}, el("h4", { text: title }), el("table", { id },
      el("tr", {}, el("th", { class: "name", text: "n-gram" }), el("th", { text: a }), el("th", { text: b })),
      list.slice(0, 15).map(([g, ma, mb]) => el("tr", {}, el("td", { class: "name", text: g }), el("td", { text: ma }), el("td", { text: mb })))));
    box.appendChild(table(`${a} matches more often`, rows.slice().sort((u, v) => v[3] - u[3] || (v[1] - v[2]) - (u[1] - u[2])), "ngrams-a"));
    box.appendChild(table(`${b} matches more often`, rows.slice().sort((u, v) => u[3] - v[3] || (v[2] - v[1]) - (u[2] - u[1])), "ngrams-b"));
  }

  // ---------- agreement with human judgments ----------
  const humanBlocks = () => Object.entries(DATA.meta?.testsets || {}).filter(([, b]) => b.testset === T.name);
  const HUMAN_STATS = ["sys_pearson", "sys_spearman", "sys_kendall_b", "sys_accuracy", "sys_spa", "seg_pearson_none",
    "seg_pearson_item", "seg_kendall_b_none", "seg_kendall_b_item", "seg_kendall_c_none", "seg_acc_eq_item", "seg_darr"];
  function renderHumanControls() {
    const blocks = humanBlocks();
    const stats = new Set(), metrics = new Set();
    for (const [, b] of blocks) for (const [m, v] of Object.entries(b.metrics || {})) { metrics.add(m); Object.keys(v).forEach((k) => stats.add(k)); }
    const order = HUMAN_STATS.filter((k) => stats.has(k)).concat([...stats].filter((k) => !HUMAN_STATS.includes(k)).sort());
    options($("human-stat"), order.map((k) => [k, k]), true);
    options($("human-metric"), [...metrics].map((m) => [m, m]), true);
  }
  function renderHuman() {
    const box = clear($("human-body"));
    const blocks = humanBlocks();
    if (!blocks.length) { box.appendChild(el("p", { class: "placeholder", text: "No human judgments for this test set (add human: to it in the config)." })); return; }
    const stat = $("human-stat").value, metric = $("human-metric").value;
    for (const [key, b] of blocks) {
      const h = b.human || {};
      const card = el("div", { class: "human-block" }, el("h3", { text: `${key}: ${h.format || ""} judgments from ${h.path || ""}` }));
      if (b.error) { card.appendChild(el("p", { class: "warning", text: b.error })); box.appendChild(card); continue; }
      card.appendChild(el("p", { class: "help", text: `${b.n_systems} systems, ${b.n_rated_segments} rated segments (${b.n_ratings} ratings); ` +
        `left out: ${["human", "outliers"].map((k) => `${k} ${(b.excluded?.[k] || []).join(", ") || "none"}`).join("; ")}` +
        (b.negated?.length ? `; negated: ${b.negated.join(", ")}` : "") }));
      for (const w of b.warnings || []) card.appendChild(el("p", { class: "warning", text: w }));
      const ranks = b.ranks?.[stat]?.ranks || {};
      const rows = Object.keys(b.metrics).map((m) => [m, b.metrics[m][stat]]).sort((u, v) => (v[1] ?? -Infinity) - (u[1] ?? -Infinity));
      card.appendChild(el("table", { class: "human-rank" },
        el("tr", {}, el("th", { text: "rank" }), el("th", { class: "name", text: "metric" }), el("th", { text: stat }), el("th", { class: "name", text: "note" })),
        rows.map(([m, v], i) => el("tr", {}, el("td", {}, String(i + 1), ranks[m] ? el("span", { class: "cluster", style: `background:${clusterColor(ranks[m])}`, title: `significance cluster ${ranks[m]}`, text: ranks[m] }) : null),
          el("td", { class: "name", text: m }), el("td", { text: fmt(v, 3) }), el("td", { class: "name", text: (b.reasons?.[m] || {})[stat] || "" })))));
      if (metric && b.scatter?.metrics?.[metric]) {
        const fig = el("figure", {}, el("figcaption", { text: `System level: human score (x) against ${metric} (y)` }));
        drawHumanScatter(fig, b.scatter.human, b.scatter.metrics[metric], metric);
        card.appendChild(fig);
      }
      box.appendChild(card);
    }
  }
  function drawHumanScatter(box, human, scores, metric) {
    const names = Object.keys(human).filter((s) => human[s] !== null && scores[s] !== null && scores[s] !== undefined);
    if (!names.length) { box.appendChild(el("p", { class: "placeholder", text: "No system scores." })); return; }
    const xs = names.map((s) => human[s]), ys = names.map((s) => scores[s]);
    const pad = (lo, hi) => { const d = (hi - lo) * 0.08 || 1; return [lo - d, hi + d]; };
    const [x0, x1] = pad(Math.min(...xs), Math.max(...xs)), [y0, y1] = pad(Math.min(...ys), Math.max(...ys));
    const w = 480, hgt = 360, m = 46;
    const x = linear(x0, x1, m, w - 10), y = linear(y0, y1, hgt - m, 10);
    const svg = svgBox(w, hgt);
    const digits = (lo, hi) => (hi - lo < 1 ? 3 : hi - lo < 10 ? 2 : 1);
    for (const t of niceTicks(x0, x1, 5)) {
      svg.appendChild(sv("line", { x1: x(t), x2: x(t), y1: 10, y2: hgt - m, class: "grid" }));
      svg.appendChild(sv("text", { x: x(t), y: hgt - m + 14, "text-anchor": "middle", text: fmt(t, digits(x0, x1)) }));
    }
    for (const t of niceTicks(y0, y1, 5)) {
      svg.appendChild(sv("line", { x1: m, x2: w - 10, y1: y(t), y2: y(t), class: "grid" }));
      svg.appendChild(sv("text", { x: m - 4, y: y(t) + 4, "text-anchor": "end", text: fmt(t, digits(y0, y1)) }));
    }
    svg.appendChild(sv("text", { x: w / 2, y: hgt - 8, "text-anchor": "middle", text: "human score" }));
    svg.appendChild(sv("text", { x: 12, y: hgt / 2, transform: `rotate(-90 12 ${hgt / 2})`, "text-anchor": "middle", text: metric }));
    const g = sv("g", { class: "human-points" });
    names.forEach((s, i) => g.appendChild(sv("circle", { cx: x(xs[i]).toFixed(1), cy: y(ys[i]).toFixed(1), r: 4, fill: PALETTE[i % PALETTE.length] },
      sv("title", { text: `${s}: human ${fmt(xs[i], 3)}, ${metric} ${fmt(ys[i], 3)}` }))));
    svg.appendChild(g);
    box.appendChild(svg);
    box.appendChild(el("div", { class: "legend" }, names.map((s, i) => el("span", { style: `--c:${PALETTE[i % PALETTE.length]}`, text: s }))));
  }

  // ---------- per-system sections ----------
  function renderSystems() {
    const box = clear($("systems-body"));
    const first = metricNames()[0];
    for (const s of first ? ranked(first) : T.systems) {
      const st = T.statistics[s] || {};
      const card = el("div", { class: "sys-card", id: `system-${T.systems.indexOf(s)}` }, el("h3", { text: s }));
      card.appendChild(el("table", {}, el("tr", {}, ["metric", "score", "95% CI", "p (vs baseline)", "cluster", "signature"].map((h) => el("th", { class: /metric|signature/.test(h) ? "name" : null, text: h }))),
        metricNames().map((m) => { const e = entry(s, m); return el("tr", {}, el("td", { class: "name", text: m }), el("td", { text: fmt(e.score) }),
          el("td", { text: e.ci ? `[${fmt(e.ci[0])}, ${fmt(e.ci[1])}]` : "" }), el("td", { text: e.p_value === undefined ? "" : fmt(e.p_value, 4) }),
          el("td", { text: e.cluster ?? "" }), el("td", { class: "name", text: e.signature || "" })); })));
      const flagText = Object.keys(T.flags).map((f) => `${f}: ${flagCount(f, s)}`).join(" \u00b7 ");
      card.appendChild(el("p", { text: `length ratio (${st.length_unit || "words"}, hypothesis/reference): ${fmt(st.length_ratio, 3)} \u00b7 ${flagText}` }));
      for (const m of Object.keys(T.spans || {})) card.appendChild(el("p", { class: "span-counts", "data-metric": m, text: `error spans by ${m}: ${spanCounts(m, s)}` }));
      if (first) {
        const scores = T.scores[first]?.[s] || [];
        const order = scores.map((v, i) => [v, i]).filter(([v]) => v !== null).sort((u, v) => (hib(first) ? u[0] - v[0] : v[0] - u[0]) || u[1] - v[1]).slice(0, 3);
        const worst = el("details", {}, el("summary", { text: `worst segments by ${first}` }));
        worst.addEventListener("toggle", () => { if (worst.open && worst.childNodes.length === 1) order.forEach(([, i]) => worst.appendChild(segmentCard(i, [s], undefined))); });
        card.appendChild(worst);
      }
      box.appendChild(card);
    }
  }

  // ---------- notes ----------
  function jsonBlock(title, value, id) {
    return el("details", { id }, el("summary", { text: title }), el("pre", { text: JSON.stringify(value, null, 2) }));
  }
  function noteOrPlaceholder(title, key, placeholder) {
    const value = (T.extra || {})[key] ?? (DATA.notes || {})[key];
    const box = el("div", { class: "note", id: `note-${key}` }, el("h3", { text: title }));
    box.appendChild(value === undefined ? el("p", { class: "placeholder", text: placeholder }) : el("pre", { text: JSON.stringify(value, null, 2) }));
    return box;
  }
  function renderNotes() {
    const box = clear($("notes-body"));
    box.appendChild(el("h3", { text: "Metric signatures" }));
    box.appendChild(el("table", {}, el("tr", {}, el("th", { class: "name", text: "metric" }), el("th", { class: "name", text: "signature (options and versions)" })),
      T.metrics.map((m) => el("tr", {}, el("td", { class: "name", text: m.name }), el("td", { class: "name", text: m.signature })))));
    box.appendChild(el("h3", { text: "Output statistics" }));
    const flags = Object.keys(T.flags);
    box.appendChild(el("table", { id: "output-stats" }, el("tr", {}, el("th", { class: "name", text: "system" }), el("th", { text: "length ratio" }),
      flags.map((f) => el("th", { text: `${f} lines (rate)` }))),
      T.systems.map((s) => el("tr", {}, el("td", { class: "name", text: s }), el("td", { text: fmt((T.statistics[s] || {}).length_ratio, 3) }),
        flags.map((f) => { const k = flagCount(f, s); return el("td", { text: `${k} (${fmt((100 * k) / (T.n || 1), 1)}%)` }); })))));
    const spanMetrics = Object.keys(T.spans || {});
    if (spanMetrics.length) {
      box.appendChild(el("h3", { text: "Error spans by severity" }));
      box.appendChild(el("table", { id: "error-counts" }, el("tr", {}, el("th", { class: "name", text: "system" }),
        spanMetrics.flatMap((m) => SEVERITIES.map((k) => el("th", { text: `${m} ${k}` })))),
        T.systems.map((s) => el("tr", { "data-system": s }, el("td", { class: "name", text: s }),
          spanMetrics.flatMap((m) => SEVERITIES.map((k) => el("td", { "data-severity": k, text: (((T.spans[m].counts || {})[s] || {})[k] ?? 0) })))))));
    }
    box.appendChild(el("p", { class: "help", text: "untranslated: output that copies the source (identical, or mostly source words the reference does not use)." }));
    box.appendChild(noteOrPlaceholder("Text repairs", "repairs", "No text repairs recorded by this run (results.json has no 'repairs')."));
    box.appendChild(noteOrPlaceholder("Alignment quality", "alignment", "No alignment recorded by this run (results.json has no 'alignment')."));
    if ((T.extra || {}).reference_alignment) box.appendChild(noteOrPlaceholder("References given as documents: alignment to the source", "reference_alignment", ""));
    if ((T.extra || {}).long_inputs) box.appendChild(noteOrPlaceholder("Long inputs of model metrics: segments scored in pieces (split) and segments cut at the model limit (truncated), per system", "long_inputs", ""));
    if ((T.extra || {}).notes || (DATA.notes || {}).notes) box.appendChild(noteOrPlaceholder("Other notes", "notes", ""));
    box.appendChild(jsonBlock("Run configuration", DATA.config, "note-config"));
    box.appendChild(jsonBlock("Test set provenance and cache", T.extra || {}, "note-testset"));
  }

  // ---------- wiring ----------
  function wire() {
    $("wins-metric").addEventListener("change", renderWins);
    $("chart-metric").addEventListener("change", renderCharts);
    $("bucket-metric").addEventListener("change", renderBuckets);
    const reset = () => { ex.page = 0; renderExplorer(); };
    for (const id of ["ex-system", "ex-metric", "ex-doc", "ex-flag", "ex-sort"]) $(id).addEventListener("change", reset);
    for (const id of ["ex-min", "ex-max", "ex-text"]) $(id).addEventListener("input", reset);
    $("ex-prev").addEventListener("click", () => { ex.page -= 1; renderExplorer(); });
    $("ex-next").addEventListener("click", () => { ex.page += 1; renderExplorer(); });
    for (const id of ["cmp-a", "cmp-b", "cmp-metric"]) $(id).addEventListener("change", scheduleCompare);
    for (const id of ["human-stat", "human-metric"]) $(id).addEventListener("change", renderHuman);
  }

  renderHeader();
  wire();
  if (DATA.testsets.length) showTestset(0);
  document.body.dataset.ready = "1";
})();
