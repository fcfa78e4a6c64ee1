/* kg graph page. Every string from the graph reaches the page through textContent or the
   canvas, never as HTML: an article's "<script>" is shown as the text it is. */
(function () {
  "use strict";
  var state = window.kgViz;
  var data = JSON.parse(document.getElementById("kg-data").textContent);
  var $ = function (id) { return document.getElementById(id); };
  var nf = new Intl.NumberFormat("en");
  // The nodes and edges are a pyvis Network's (kg.network() in Python): each node a dict of
  // vis-network fields (label, shape, color, size, value, x, y...) and kg's own fields (iri, cls,
  // docs, evidence, rules...). Nodes a user added in Python may lack kg's fields: defaults here.
  var idIndex = new Map();
  data.nodes.forEach(function (n, k) {
    idIndex.set(n.id, k);
    if (n.label === undefined || n.label === null) n.label = String(n.id);
    n.label = String(n.label);
    if (!n.cls) n.cls = n.group ? String(n.group) : "Other";
    if (!Array.isArray(n.docs)) n.docs = [];
    if (!Array.isArray(n.evidence)) n.evidence = [];
    if (!Array.isArray(n.rules)) n.rules = [];
    if (typeof n.degree !== "number") n.degree = 0;
    if (typeof n.betweenness !== "number") n.betweenness = 0;
    if (!n.iri) n.iri = String(n.id);
  });
  // Edges as [from index, to index, property name]: pyvis's from/to are node ids.
  data.edgeList = data.edges;
  data.edges = data.edgeList.filter(function (e) { return idIndex.has(e.from) && idIndex.has(e.to); })
    .map(function (e) { return [idIndex.get(e.from), idIndex.get(e.to), String(e.prop || e.label || e.title || "")]; });
  var N = data.nodes.length, E = data.edges.length;
  var BIG = N > 1500, HUGE = N > 6000;
  var LABEL_MAX = 38;

  var classInfo = {}, propInfo = {};
  data.classes.forEach(function (c) { classInfo[c.name] = c; });
  data.properties.forEach(function (p) { propInfo[p.name] = p; });

  // ------------------------------------------------------------------ DOM helpers (text only)
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function textEl(tag, text, cls) {  // article text: isolated direction
    var e = el(tag, (cls ? cls + " " : "") + "kg-text", text);
    e.dir = "auto";
    return e;
  }
  function clear(e) { while (e.firstChild) e.removeChild(e.firstChild); }
  function short(s) { s = String(s); return s.length > LABEL_MAX ? s.slice(0, LABEL_MAX - 1) + "…" : s; }
  var ACTORS = { Person: 1, Organization: 1, Country: 1, Group: 1 };
  function when(n) {  // a date to tell apart events of the same name: the fact's, else its first document's
    if (n.date) return n.date;
    if (ACTORS[n.cls]) return "";
    var d = n.docs.length ? data.documents[n.docs[0]] : null;
    return d && d.date ? d.date : "";
  }
  function docName(i) {
    var d = data.documents[i];
    if (!d) return "unknown document";
    return (d.title || d.id) + (d.date ? " (" + d.date + ")" : "");
  }

  // ------------------------------------------------------------------ shapes (legend and Ceasefire)
  var SVG = "http://www.w3.org/2000/svg";
  function polygon(cx, cy, r, sides, rot) {
    var pts = [];
    for (var k = 0; k < sides; k++) {
      var a = rot + k * 2 * Math.PI / sides;
      pts.push([cx + r * Math.cos(a), cy + r * Math.sin(a)]);
    }
    return pts;
  }
  function shapePoints(shape, c, r) {
    switch (shape) {
      case "square": return [[c - r, c - r], [c + r, c - r], [c + r, c + r], [c - r, c + r]];
      case "hexagon": return polygon(c, c, r, 6, 0);
      case "triangle": return polygon(c, c + r * 0.2, r * 1.1, 3, -Math.PI / 2);
      case "triangleDown": return polygon(c, c - r * 0.2, r * 1.1, 3, Math.PI / 2);
      case "diamond": return polygon(c, c, r * 1.15, 4, 0);
      case "octagon": return polygon(c, c, r * 1.05, 8, Math.PI / 8);
      case "pentagon": return polygon(c, c + r * 0.08, r * 1.1, 5, -Math.PI / 2);
      case "star":
        var pts = [];
        for (var k = 0; k < 10; k++) {
          var a = -Math.PI / 2 + k * Math.PI / 5, rr = k % 2 ? r * 0.45 : r * 1.15;
          pts.push([c + rr * Math.cos(a), c + rr * Math.sin(a)]);
        }
        return pts;
      default: return null;  // dot
    }
  }
  function legendIcon(shape, colour) {
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("width", "16"); svg.setAttribute("height", "16"); svg.setAttribute("viewBox", "0 0 16 16");
    var pts = shapePoints(shape, 8, 6), s;
    if (pts) {
      s = document.createElementNS(SVG, "polygon");
      s.setAttribute("points", pts.map(function (p) { return p[0].toFixed(1) + "," + p[1].toFixed(1); }).join(" "));
    } else {
      s = document.createElementNS(SVG, "circle");
      s.setAttribute("cx", "8"); s.setAttribute("cy", "8"); s.setAttribute("r", "6");
    }
    s.setAttribute("fill", colour); s.setAttribute("stroke", "#333"); s.setAttribute("stroke-width", "0.7");
    svg.appendChild(s);
    return svg;
  }
  function lineIcon(colour) {
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("width", "22"); svg.setAttribute("height", "10"); svg.setAttribute("viewBox", "0 0 22 10");
    var l = document.createElementNS(SVG, "line");
    l.setAttribute("x1", "1"); l.setAttribute("y1", "5"); l.setAttribute("x2", "21"); l.setAttribute("y2", "5");
    l.setAttribute("stroke", colour); l.setAttribute("stroke-width", "2.5");
    svg.appendChild(l);
    return svg;
  }
  function darker(hex) {
    if (!/^#[0-9a-fA-F]{6}$/.test(String(hex))) return hex;
    var n = parseInt(hex.slice(1), 16), f = 0.62;
    var r = Math.round((n >> 16) * f), g = Math.round(((n >> 8) & 255) * f), b = Math.round((n & 255) * f);
    return "#" + ((1 << 24) + (r << 16) + (g << 8) + b).toString(16).slice(1);
  }
  // vis-network has no octagon or pentagon: Ceasefire and Accusation nodes are drawn here, label included.
  var CUSTOM = { octagon: [8, Math.PI / 8, 1.05], pentagon: [5, -Math.PI / 2, 1.1] };
  function customRenderer(shape) { return function (o) { return polygonRenderer(o, CUSTOM[shape]); }; }
  function polygonRenderer(o, form) {
    var ctx = o.ctx, st = o.style, r = st.size, x = o.x, y = o.y;
    return {
      drawNode: function () {
        var pts = polygon(x, y, r * form[2], form[0], form[1]);
        ctx.beginPath();
        ctx.moveTo(pts[0][0], pts[0][1]);
        for (var k = 1; k < pts.length; k++) ctx.lineTo(pts[k][0], pts[k][1]);
        ctx.closePath();
        ctx.fillStyle = st.color; ctx.fill();
        ctx.lineWidth = st.borderWidth; ctx.strokeStyle = st.borderColor; ctx.stroke();
      },
      drawExternalLabel: function () {
        if (!o.label) return;
        var scale = ctx.getTransform ? ctx.getTransform().a : 1;
        if (14 * scale < 5) return;  // like vis-network's label draw threshold
        ctx.font = "14px system-ui, sans-serif"; ctx.textAlign = "center"; ctx.textBaseline = "top";
        ctx.lineWidth = 3; ctx.strokeStyle = "#ffffff"; ctx.strokeText(o.label, x, y + r + 5);
        ctx.fillStyle = "#1f2328"; ctx.fillText(o.label, x, y + r + 5);
      },
      nodeDimensions: { width: 2 * r, height: 2 * r }
    };
  }

  // ------------------------------------------------------------------ vis data
  var groups = {};
  data.classes.forEach(function (c) {
    var g = {
      color: { background: c.color, border: darker(c.color),
               highlight: { background: c.color, border: "#000000" }, hover: { background: c.color, border: "#000000" } },
      borderWidth: 1, borderWidthSelected: 3
    };
    groups[c.name] = g;  // colours only: each node's own shape (kg's class shape, or the user's) wins
  });
  // The vis-network fields of a pyvis node that the page passes on (never "title": vis would show it as HTML).
  var STYLE = ["color", "size", "borderWidth", "font", "mass", "physics", "fixed", "opacity", "level", "margin"];
  var visNodes = new Array(N);
  for (var i = 0; i < N; i++) {
    var n = data.nodes[i];
    var v = { id: i, label: short(n.label), group: groups[n.cls] ? n.cls : undefined,
              value: typeof n.value === "number" ? n.value : n.degree, x: n.x, y: n.y };
    var shape = typeof n.shape === "string" && n.shape !== "image" && n.shape !== "circularImage" ? n.shape
      : (classInfo[n.cls] || {}).shape || "dot";
    if (CUSTOM[shape]) { v.shape = "custom"; v.ctxRenderer = customRenderer(shape); }  // vis-network has none
    else v.shape = shape;
    STYLE.forEach(function (key) { if (n[key] !== undefined && n[key] !== null) v[key] = n[key]; });
    visNodes[i] = v;
  }
  var edgeLabels = E <= 400;
  $("kg-edge-labels").checked = edgeLabels;
  var ESTYLE = ["width", "dashes", "smooth", "physics", "length", "font"];
  var shownEdges = data.edgeList.filter(function (e) { return idIndex.has(e.from) && idIndex.has(e.to); });
  var visEdges = new Array(E);
  for (var j = 0; j < E; j++) {
    var e = data.edges[j], raw = shownEdges[j];
    var colour = typeof raw.color === "string" ? raw.color : (propInfo[e[2]] || {}).color || "#999999";
    visEdges[j] = { id: j, from: e[0], to: e[1], label: edgeLabels ? e[2] : undefined,
                    color: { color: colour, highlight: darker(colour), hover: darker(colour), opacity: 0.85 } };
    if (raw.arrows !== undefined && raw.arrows !== "to") visEdges[j].arrows = raw.arrows;  // "to": pyvis's default
    ESTYLE.forEach(function (key) { if (raw[key] !== undefined && raw[key] !== null) visEdges[j][key] = raw[key]; });
  }
  var nodes = new vis.DataSet(visNodes);
  var edges = new vis.DataSet(visEdges);

  // The options are the pyvis Network's (kg sets them for the graph's size: physics refines kg's
  // layout, then stops; none above kg's limit); the groups draw kg's classes.
  var options = data.options && typeof data.options === "object" ? data.options : {};
  if (options.configure) options.configure = { enabled: false };  // its panel would need the network
  options.autoResize = true;
  options.groups = groups;
  options.physics = options.physics || {};
  var PHYSICS = N > 0 && options.physics.enabled !== false;
  options.physics.enabled = PHYSICS;
  if (options.physics.stabilization && typeof options.physics.stabilization === "object") options.physics.stabilization.enabled = PHYSICS;
  options.interaction = options.interaction || {};
  var container = $("kg-network");
  var network = new vis.Network(container, { nodes: nodes, edges: edges }, options);
  var s0 = data.stats;
  state.network = network; state.nodes = nodes; state.edges = edges; state.data = data;

  var progress = $("kg-progress");
  if (PHYSICS) {
    progress.hidden = false;
    $("kg-progress-text").textContent = "Laying out " + nf.format(N) + " nodes…";
  }
  network.on("stabilizationProgress", function (p) {
    progress.querySelector("#kg-progress-bar div").style.width = Math.round(100 * p.iterations / p.total) + "%";
  });
  function settled() {
    network.setOptions({ physics: { enabled: false } });  // settle, then stop: the page stays responsive
    progress.hidden = true;
    state.stabilizedMs = performance.now();
    network.once("afterDrawing", function () {
      state.ready = true;
      state.readyMs = performance.now();
    });
    if (data.focus !== null && data.focus !== undefined) {
      network.selectNodes([data.focus]);
      showNode(data.focus);
    }
    network.fit({ animation: false });
    network.redraw();
  }
  if (PHYSICS) network.once("stabilizationIterationsDone", settled);
  else if (N > 0) settled();
  else {
    var empty = el("p", "kg-empty-graph", s0.totalNodes ? "No node matches these options (the build has " +
      nf.format(s0.totalNodes) + " nodes)." : "The build has no actors or events to show.");
    container.appendChild(empty);
    state.ready = true; state.readyMs = performance.now();
  }

  // ------------------------------------------------------------------ header, legend, notice
  var s = data.stats;
  $("kg-stats").textContent = nf.format(s.nodes) + " nodes · " + nf.format(s.edges) + " edges · " +
    nf.format(data.documents.length) + " document" + (data.documents.length === 1 ? "" : "s") +
    (s.nodes < s.totalNodes ? " (of " + nf.format(s.totalNodes) + " nodes in the build)" : "");
  $("kg-generated").textContent = "Made by kg " + data.version + ". Betweenness: " + s.betweenness + ".";

  var classOn = {};
  var legend = $("kg-legend-classes");
  data.classes.forEach(function (c) {
    classOn[c.name] = true;
    var li = el("li"), label = el("label"), box = el("input");
    box.type = "checkbox"; box.checked = true; box.dataset.cls = c.name;
    box.addEventListener("change", function () { classOn[c.name] = box.checked; applyFilters(); });
    label.appendChild(box); label.appendChild(legendIcon(c.shape, c.color)); label.appendChild(el("span", null, c.name));
    label.appendChild(el("span", "kg-count", nf.format(c.count)));
    if (!c.count) li.className = "kg-empty";
    li.appendChild(label);
    legend.appendChild(li);
  });
  var edgeLegend = $("kg-legend-edges");
  data.properties.forEach(function (p) {
    if (!p.count) return;
    var li = el("li");
    li.appendChild(lineIcon(p.color)); li.appendChild(el("span", null, p.name));
    li.appendChild(el("span", "kg-count", nf.format(p.count)));
    edgeLegend.appendChild(li);
  });
  $("kg-edge-labels").addEventListener("change", function () {
    var on = this.checked;
    edges.update(data.edges.map(function (e, k) { return { id: k, label: on ? e[2] : "" }; }));
  });

  var docSelect = $("kg-doc");
  var all = el("option", null, "All documents (" + nf.format(data.documents.length) + ")");
  all.value = "";
  docSelect.appendChild(all);
  data.documents.forEach(function (d, k) {
    var o = el("option", null, docName(k));
    o.value = String(k);
    docSelect.appendChild(o);
  });
  docSelect.addEventListener("change", applyFilters);

  // Sources: where the documents come from (a URL's host, else the source as given).
  var UNKNOWN_SOURCE = "(unknown source)";
  function publisherOf(k) { var d = data.documents[k]; return d && d.publisher ? d.publisher : UNKNOWN_SOURCE; }
  var sourceSelect = $("kg-source"), sourceCounts = {};
  data.documents.forEach(function (d, k) { var p = publisherOf(k); sourceCounts[p] = (sourceCounts[p] || 0) + 1; });
  var allSources = el("option", null, "All sources (" + nf.format(Object.keys(sourceCounts).length) + ")");
  allSources.value = "";
  sourceSelect.appendChild(allSources);
  Object.keys(sourceCounts).sort().forEach(function (p) {
    var o = el("option", null, p + " (" + nf.format(sourceCounts[p]) + " document" + (sourceCounts[p] === 1 ? "" : "s") + ")");
    o.value = p;
    sourceSelect.appendChild(o);
  });
  sourceSelect.addEventListener("change", applyFilters);

  // Dates: the range the date inputs set (ISO days compare as strings).
  var dateFrom = "", dateTo = "";
  var timelineItems = [];  // [day, node index, class, observation status or null]
  data.nodes.forEach(function (n, k) {
    if (ACTORS[n.cls] || n.cls === "Role") return;
    var day = when(n);
    if (day) timelineItems.push([day, k, n.cls, null]);
    (n.lifecycle || []).forEach(function (o) { if (o[0]) timelineItems.push([o[0], k, n.cls, o[1] || "status unknown"]); });
  });
  timelineItems.sort(function (a, b) { return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]; });
  var firstDay = timelineItems.length ? timelineItems[0][0] : "", lastDay = timelineItems.length ? timelineItems[timelineItems.length - 1][0] : "";
  data.documents.forEach(function (d) {
    if (d.date && (!firstDay || d.date < firstDay)) firstDay = d.date;
    if (d.date && (!lastDay || d.date > lastDay)) lastDay = d.date;
  });
  ["kg-date-from", "kg-date-to"].forEach(function (id) {
    var input = $(id);
    if (firstDay) { input.min = firstDay; input.max = lastDay; }
    input.addEventListener("change", function () {
      dateFrom = $("kg-date-from").value; dateTo = $("kg-date-to").value; applyFilters();
    });
  });
  $("kg-date-clear").addEventListener("click", function () { state.setDateRange("", ""); });
  if (!firstDay) $("kg-dates").hidden = true;

  // The timeline strip: one tick per dated event (its date, else its first document's), one
  // smaller tick per dated status report of a ceasefire; click a tick to open the event.
  var track = $("kg-timeline-track");
  function dayNumber(day) { return Date.UTC(+day.slice(0, 4), +day.slice(5, 7) - 1, +day.slice(8, 10)) / 864e5; }
  function drawTimeline() {
    clear(track);
    if (!timelineItems.length) { $("kg-timeline").hidden = true; state.timelineTicks = 0; return; }
    var t0 = dayNumber(firstDay), span = Math.max(1, dayNumber(lastDay) - t0);
    function at(day) { return (2 + 96 * (dayNumber(day) - t0) / span).toFixed(2) + "%"; }
    $("kg-timeline-start").textContent = firstDay;
    $("kg-timeline-end").textContent = lastDay;
    if (dateFrom || dateTo) {
      var range = el("div", "kg-range"), a = dateFrom && dateFrom > firstDay ? dateFrom : firstDay;
      var b = dateTo && dateTo < lastDay ? dateTo : lastDay;
      range.style.left = at(a);
      range.style.width = "calc(" + at(b < a ? a : b) + " - " + at(a) + ")";
      track.appendChild(range);
    }
    var shown = 0;
    timelineItems.forEach(function (item) {
      var k = item[1], n = data.nodes[k];
      var tick = el("span", "kg-tick" + (item[3] ? " kg-observation" : "") + (hiddenNow[k] || (item[3] && !inRange(item[0])) ? " kg-off" : ""));
      tick.style.left = at(item[0]);
      tick.style.background = (classInfo[item[2]] || {}).color || "#888888";
      tick.title = item[0] + " · " + (item[3] ? item[3] + " · " : "") + n.label;  // an attribute: text, never HTML
      tick.dataset.index = String(k);
      tick.tabIndex = 0;
      tick.addEventListener("click", function () { selectNode(k); });
      tick.addEventListener("keydown", function (ev) { if (ev.key === "Enter") selectNode(k); });
      track.appendChild(tick);
      if (tick.className.indexOf("kg-off") < 0) shown++;
    });
    state.timelineTicks = shown;
  }
  state.timeline = function () {
    return timelineItems.map(function (item) { return { date: item[0], node: item[1], status: item[3] }; });
  };

  if (data.notes.length || s.truncated) {
    var notice = $("kg-notice");
    notice.hidden = false;
    if (s.truncated) {
      var left = s.matchedNodes - s.nodes;
      notice.appendChild(el("p", null, "Showing the " + nf.format(s.nodes) + " most connected of " +
        nf.format(s.matchedNodes) + " nodes (size limit " + nf.format(s.maxNodes) + "). Left out: " + nf.format(left) +
        " nodes (" + Object.keys(s.omitted).map(function (c) { return nf.format(s.omitted[c]) + " " + c; }).join(", ") +
        ") and " + nf.format(s.matchedEdges - s.edges) + " edges."));
      notice.appendChild(el("p", null, "To see them:"));
      data.hints.forEach(function (h) { notice.appendChild(textEl("code", h)); });
    }
    data.notes.forEach(function (t) {
      if (s.truncated && t.indexOf("size limit") === 0) return;
      notice.appendChild(textEl("p", "Showing: " + t));
    });
  }

  // ------------------------------------------------------------------ filters
  // A node is shown when its class is on and, for each filter set, one of its documents passes
  // (document, source) and its date is in the range: a fact's own date, else its documents'
  // publication dates; an actor's, the dates of the documents that mention it.
  function visible(n) {
    if (classOn[n.cls] === false) return false;
    var d = docSelect.value, src = sourceSelect.value;
    if (d !== "" && n.docs.indexOf(Number(d)) < 0) return false;
    if (src !== "" && !n.docs.some(function (k) { return publisherOf(k) === src; })) return false;
    if (dateFrom || dateTo) {
      var dates = !ACTORS[n.cls] && n.date ? [n.date]
        : n.docs.map(function (k) { return (data.documents[k] || {}).date; }).filter(Boolean);
      if (!dates.some(inRange)) return false;
    }
    return true;
  }
  function inRange(day) { return (!dateFrom || day >= dateFrom) && (!dateTo || day <= dateTo); }
  var hiddenNow = new Array(N).fill(false);
  function applyFilters() {
    var changed = [], hid = new Array(N);
    for (var k = 0; k < N; k++) {
      hid[k] = !visible(data.nodes[k]);
      if (hid[k] !== hiddenNow[k]) changed.push({ id: k, hidden: hid[k] });
    }
    hiddenNow = hid;
    nodes.update(changed);
    var ech = [];
    for (var m = 0; m < E; m++) {
      var eh = hid[data.edges[m][0]] || hid[data.edges[m][1]];
      ech.push({ id: m, hidden: eh });
    }
    edges.update(ech);
    var shown = hid.filter(function (h) { return !h; }).length;
    state.visibleNodes = shown;
    drawTimeline();
  }
  state.setClass = function (name, on) {
    var box = legend.querySelector("input[data-cls='" + name.replace(/[^A-Za-z]/g, "") + "']");
    if (box) box.checked = on;
    classOn[name] = on; applyFilters();
  };
  state.setDocument = function (index) { docSelect.value = index === null ? "" : String(index); applyFilters(); };
  state.setSource = function (name) { sourceSelect.value = name === null ? "" : String(name); applyFilters(); };
  state.setDateRange = function (from, to) {
    $("kg-date-from").value = from || ""; $("kg-date-to").value = to || "";
    dateFrom = from || ""; dateTo = to || ""; applyFilters();
  };
  state.visibleNodes = N;
  drawTimeline();

  // ------------------------------------------------------------------ details panel
  var panel = $("kg-panel"), body = $("kg-panel-body");
  $("kg-panel-close").addEventListener("click", function () { panel.hidden = true; network.unselectAll(); });
  function badge(cls) {
    var b = el("span", "kg-badge", cls);
    b.style.background = darker((classInfo[cls] || {}).color || "#888888");
    return b;
  }
  function field(dl, name, value) {
    if (value === undefined || value === null || value === "") return;
    dl.appendChild(el("dt", null, name));
    var dd = el("dd");
    if (value instanceof Node) dd.appendChild(value); else { dd.textContent = String(value); dd.dir = "auto"; dd.className = "kg-text"; }
    dl.appendChild(dd);
  }
  function nodeLink(k, prefix) {
    var span = el("span");
    if (prefix) span.appendChild(el("span", "kg-muted", prefix + " "));
    var a = textEl("span", data.nodes[k].label, "kg-link");
    a.tabIndex = 0;
    a.addEventListener("click", function () { selectNode(k); });
    a.addEventListener("keydown", function (ev) { if (ev.key === "Enter") selectNode(k); });
    span.appendChild(a);
    span.appendChild(el("span", "kg-muted", " " + data.nodes[k].cls));
    return span;
  }
  function rulesLine(n) {  // the rules (pattern ids) that read the fact: to judge and report systematic errors
    var p = el("p", "kg-rules");
    p.appendChild(el("span", "kg-muted", n.rules.length === 1 ? "Read by rule " : "Read by rules "));
    n.rules.forEach(function (r) { p.appendChild(textEl("code", r)); });
    return p;
  }
  function evidenceList(n) {
    var frag = document.createDocumentFragment();
    if (!n.evidence.length && !n.rules.length) return frag;
    if (!n.evidence.length) { frag.appendChild(el("h3", null, "Evidence")); frag.appendChild(rulesLine(n)); return frag; }
    frag.appendChild(el("h3", null, n.evidence.length === 1 ? "Evidence" : "Evidence (" + n.evidence.length + " sentences)"));
    n.evidence.forEach(function (ev) {
      var q = el("blockquote", "kg-evidence");
      q.appendChild(textEl("span", ev[1]));
      var d = data.documents[ev[0]];
      var cite = el("span", "kg-cite");
      cite.appendChild(textEl("cite", d ? (d.title || d.id) : "unknown document"));
      var where = [];
      if (d && d.date) where.push(d.date);
      if (d) where.push(d.id);
      if (ev[2] !== null && ev[3] !== null) where.push("characters " + ev[2] + "–" + ev[3]);
      cite.appendChild(el("span", null, " — " + where.join(", ")));
      q.appendChild(cite);
      frag.appendChild(q);
    });
    if (n.rules.length) frag.appendChild(rulesLine(n));
    return frag;
  }
  function codesLine(c) {
    var span = el("span", "kg-codes");
    span.appendChild(textEl("code", "CAMEO " + c.cameo));
    if (c.label) span.appendChild(textEl("span", c.label + " "));
    if (c.plover) span.appendChild(textEl("code", "PLOVER " + c.plover + (c.ploverMode ? " (" + c.ploverMode + ")" : "")));
    return span;
  }
  // A ceasefire's life: its dated status reports when the graph has them, else its one status.
  function lifecycle(n) {
    var frag = document.createDocumentFragment();
    frag.appendChild(el("h3", null, "Lifecycle"));
    var seen = n.lifecycle || [];
    if (!seen.length) {
      frag.appendChild(textEl("p", n.status ? "Status: " + n.status + " (one status; the graph holds no dated reports of it)"
                                            : "No status reported.", "kg-muted"));
      return frag;
    }
    var ol = el("ol", "kg-lifecycle");
    seen.forEach(function (o) {
      var li = el("li");
      li.appendChild(el("span", null, (o[0] || "undated") + " · "));
      li.appendChild(textEl("span", o[1] || "status unknown", "kg-status"));
      if (o[2] >= 0) li.appendChild(textEl("span", " — " + docName(o[2]), "kg-muted"));
      if (o[3]) li.appendChild(textEl("div", "“" + o[3] + "”", "kg-muted"));
      ol.appendChild(li);
    });
    frag.appendChild(ol);
    return frag;
  }
  var neighbours = null;
  function links(k) {
    if (!neighbours) {
      neighbours = new Array(N);
      for (var q = 0; q < N; q++) neighbours[q] = [];
      data.edges.forEach(function (e) {
        neighbours[e[0]].push([e[2], e[1], true]);
        neighbours[e[1]].push([e[2], e[0], false]);
      });
    }
    return neighbours[k];
  }
  function showNode(k) {
    var n = data.nodes[k];
    clear(body);
    body.appendChild(badge(n.cls));
    body.appendChild(textEl("h2", n.label));
    body.appendChild(el("div", "kg-iri", n.iri));
    var dl = el("dl", "kg-fields");
    field(dl, "also called", n.alt && n.alt.join("; "));
    field(dl, "kind", n.kind);
    field(dl, "title", n.title);
    field(dl, "status", n.status);
    field(dl, "mode", n.mode);
    field(dl, "date", [n.date, n.dateText ? "“" + n.dateText + "”" : null].filter(Boolean).join(" "));
    field(dl, "location", n.location);
    if (n.code) field(dl, "codes", codesLine(n.code));
    if (n.country) {
      field(dl, "ISO 3166", n.country.iso3);
      field(dl, "CAMEO", n.country.cameo);
      field(dl, "Wikipedia", n.country.wikipedia);
      field(dl, "DBpedia", n.country.dbpedia);
    }
    if (n.text) field(dl, n.quote ? "quote" : "said", n.quote ? "“" + n.text + "”" : n.text);
    field(dl, "degree", nf.format(n.degree));
    field(dl, "betweenness", n.betweenness.toFixed(4));
    body.appendChild(dl);
    if (n.cls === "Ceasefire") body.appendChild(lifecycle(n));
    var l = links(k);
    if (l.length) {
      body.appendChild(el("h3", null, "Connections (" + l.length + ")"));
      var ul = el("ul", "kg-links");
      l.slice(0, 200).forEach(function (x) {
        var li = el("li");
        li.appendChild(nodeLink(x[1], x[2] ? x[0] + " →" : "← " + x[0] + " of"));
        ul.appendChild(li);
      });
      if (l.length > 200) ul.appendChild(el("li", "kg-muted", "… and " + (l.length - 200) + " more"));
      body.appendChild(ul);
    }
    body.appendChild(evidenceList(n));
    if (n.docs.length) {
      body.appendChild(el("h3", null, "Documents"));
      var du = el("ul", "kg-links");
      n.docs.forEach(function (d) {
        var li = el("li");
        li.appendChild(textEl("span", docName(d)));
        var src = data.documents[d] && data.documents[d].source;
        if (src) li.appendChild(textEl("div", src, "kg-muted kg-iri"));
        du.appendChild(li);
      });
      body.appendChild(du);
    }
    panel.hidden = false;
    state.panelNode = k;
  }
  function showEdge(m) {
    var e = data.edges[m], from = data.nodes[e[0]];
    clear(body);
    body.appendChild(el("span", "kg-badge", e[2])).style.background = (propInfo[e[2]] || {}).color || "#888888";
    var h = el("h2");
    h.appendChild(textEl("bdi", from.label)); h.appendChild(document.createTextNode(" — " + e[2] + " → "));
    h.appendChild(textEl("bdi", data.nodes[e[1]].label));
    body.appendChild(h);
    var ul = el("ul", "kg-links"), a = el("li"), b = el("li");
    a.appendChild(nodeLink(e[0])); b.appendChild(nodeLink(e[1]));
    ul.appendChild(a); ul.appendChild(b);
    body.appendChild(ul);
    body.appendChild(evidenceList(from));
    panel.hidden = false;
    state.panelNode = null;
  }
  function selectNode(k) {
    if (hiddenNow[k]) {  // a search hit hidden by the filters: show everything again
      Object.keys(classOn).forEach(function (c) { classOn[c] = true; });
      legend.querySelectorAll("input").forEach(function (b) { b.checked = true; });
      docSelect.value = ""; sourceSelect.value = ""; state.setDateRange("", "");
    }
    network.selectNodes([k]);
    showNode(k);
    // centre the node in the part of the canvas the panel leaves visible
    var scale = Math.max(network.getScale(), 1.0), at = network.getPosition(k);
    network.moveTo({ position: { x: at.x + (panel.offsetWidth / 2) / scale, y: at.y }, scale: scale,
                     animation: N < 2000 ? { duration: 400 } : false });
  }
  state.select = selectNode;
  state.show = function (k) { network.selectNodes([k]); showNode(k); };
  state.showEdge = showEdge;
  network.on("click", function (p) {
    if (p.nodes.length) showNode(p.nodes[0]);
    else if (p.edges.length) showEdge(p.edges[0]);
    else { panel.hidden = true; }
  });
  $("kg-fit").addEventListener("click", function () { network.fit({ animation: N < 2000 }); });

  // ------------------------------------------------------------------ tooltip
  var tip = $("kg-tooltip");
  function showTooltip(k, pos) {
    var n = data.nodes[k];
    clear(tip);
    var head = el("div");
    head.appendChild(textEl("strong", n.label));
    head.appendChild(el("span", "kg-muted", "  " + n.cls));
    tip.appendChild(head);
    var bits = [n.status, n.date || n.dateText, n.kind].filter(Boolean);
    if (bits.length) tip.appendChild(textEl("div", bits.join(" · "), "kg-muted"));
    if (n.evidence.length) {
      tip.appendChild(textEl("div", "“" + n.evidence[0][1] + "”", "kg-tip-sentence"));
      tip.appendChild(textEl("div", docName(n.evidence[0][0]), "kg-muted"));
    }
    tip.hidden = false;
    var x = (pos && pos.x) || 0, y = (pos && pos.y) || 0;
    tip.style.left = (container.offsetLeft + Math.min(x + 14, container.clientWidth - 370)) + "px";
    tip.style.top = (container.offsetTop + y + 14) + "px";
  }
  state.showTooltip = function (k) { showTooltip(k, { x: 20, y: 20 }); return tip.textContent; };
  network.on("hoverNode", function (p) { showTooltip(p.node, p.pointer && p.pointer.DOM); });
  network.on("blurNode", function () { tip.hidden = true; });
  network.on("dragStart", function () { tip.hidden = true; });

  // ------------------------------------------------------------------ search
  var search = $("kg-search"), results = $("kg-search-results");
  var folded = data.nodes.map(function (n) {
    return (n.label + "\u0000" + (n.alt ? n.alt.join("\u0000") : "")).toLowerCase();
  });
  var hits = [], active = 0, timer = null;
  function runSearch(q) {
    q = q.trim().toLowerCase();
    clear(results); hits = []; active = 0;
    if (!q) { results.hidden = true; return hits; }
    for (var k = 0; k < N && hits.length < 200; k++) if (folded[k].indexOf(q) >= 0) hits.push(k);
    hits.sort(function (a, b) {
      var pa = data.nodes[a].label.toLowerCase().indexOf(q) === 0 ? 0 : 1, pb = data.nodes[b].label.toLowerCase().indexOf(q) === 0 ? 0 : 1;
      return pa - pb || data.nodes[b].degree - data.nodes[a].degree;
    });
    hits = hits.slice(0, 20);
    if (!hits.length) results.appendChild(el("li", "kg-muted", "no match"));
    hits.forEach(function (k, r) {
      var li = el("li", r === 0 ? "kg-active" : null);
      li.appendChild(legendIcon(classInfo[data.nodes[k].cls].shape, classInfo[data.nodes[k].cls].color));
      li.appendChild(textEl("span", data.nodes[k].label));
      li.appendChild(el("span", "kg-muted", data.nodes[k].cls + (when(data.nodes[k]) ? " · " + when(data.nodes[k]) : "")));
      li.addEventListener("mousedown", function (ev) { ev.preventDefault(); pick(k); });
      results.appendChild(li);
    });
    results.hidden = false;
    return hits.slice();
  }
  function pick(k) { results.hidden = true; selectNode(k); }
  search.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { runSearch(search.value); }, N > 5000 ? 200 : 60);
  });
  search.addEventListener("keydown", function (ev) {
    var items = results.querySelectorAll("li");
    if (ev.key === "Enter") { runSearch(search.value); if (hits.length) pick(hits[active]); }
    else if (ev.key === "Escape") { results.hidden = true; }
    else if ((ev.key === "ArrowDown" || ev.key === "ArrowUp") && hits.length) {
      ev.preventDefault();
      items[active].classList.remove("kg-active");
      active = (active + (ev.key === "ArrowDown" ? 1 : hits.length - 1)) % hits.length;
      items[active].classList.add("kg-active");
    }
  });
  search.addEventListener("blur", function () { setTimeout(function () { results.hidden = true; }, 150); });
  state.search = runSearch;
})();
