// newstrace page: sends the article to /api/trace (or /api/compare with a second text) and shows
// the result. Document text is only ever set with textContent: it is data, never markup.
"use strict";

(function () {
  var KIND_RANK = { "verbatim": 0, "near-verbatim": 1, "paraphrase": 2 };
  var SEVERITY_RANK = { "critical": 0, "warning": 1, "info": 2 };
  var HTML_HINT = /^\s*(<!--[\s\S]*?-->\s*)*<(!doctype\s+html|html|head|body|article|div|p)\b/i;
  var state = { items: [], current: null };

  function $(id) { return document.getElementById(id); }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function pct(x) { return Math.round(100 * x) + "%"; }

  function setStatus(message, isError) {
    var status = $("status");
    status.textContent = message;
    status.className = isError ? "error" : "";
  }

  // ---- input -------------------------------------------------------------------------------
  function decode(buffer) {
    try { return new TextDecoder("utf-8", { fatal: true }).decode(buffer); }
    catch (e) { return new TextDecoder("windows-1252").decode(buffer); }
  }

  function wireUpload(fileId, textId, htmlId) {
    $(fileId).addEventListener("change", function () {
      var file = this.files && this.files[0];
      if (!file) { return; }
      file.arrayBuffer().then(function (buffer) {
        var text = decode(buffer);
        $(textId).value = text;
        $(htmlId).checked = /\.html?$/i.test(file.name) || HTML_HINT.test(text);
        setStatus("Read " + file.name + " (" + text.length.toLocaleString() + " characters).", false);
      });
    });
  }

  function article(textId, htmlId) {
    var value = $(textId).value;
    return $(htmlId).checked ? { html: value } : { text: value };
  }

  function errorMessage(response, body) {
    var message = body && body.error && body.error.message ? body.error.message : "HTTP " + response.status;
    if (response.status === 503) {
      message += " (the server is busy; try again in " + (response.headers.get("Retry-After") || "a few") + " s)";
    }
    return message;
  }

  function post(url, payload) {
    return fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify(payload)
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (body) {
        if (!response.ok) { throw new Error(errorMessage(response, body)); }
        return body;
      });
    });
  }

  function submit(event) {
    event.preventDefault();
    if (!$("article").value.trim()) {
      setStatus("Paste or upload the article to check first.", true);
      $("article").focus();
      return;
    }
    var encoder = $("encoder").value || null;
    var compareWith = $("other").value.trim();
    var request;
    if (compareWith) {
      request = post("/api/compare", {
        source: article("other", "other-html"), suspect: article("article", "article-html"),
        encoder: encoder, view: true
      }).then(fromCompare);
    } else {
      request = post("/api/trace", { article: article("article", "article-html"), top: 5, encoder: encoder, view: true })
        .then(fromTrace);
    }
    $("submit").disabled = true;
    setStatus("Checking… the comparison runs on the server.", false);
    request.then(function (items) {
      showSources(items);
    }).catch(function (err) {
      setStatus(err.message, true);
    }).then(function () { $("submit").disabled = false; });
  }

  // ---- results -----------------------------------------------------------------------------
  function fromCompare(doc) {
    setStatus("Compared the two texts.", false);
    $("unsourced").textContent = "";
    return [{
      name: "the text you gave", role: doc.derived ? "source" : "related", result: doc,
      sourceText: doc.view.source_text, suspectText: doc.view.suspect_text, view: doc.view
    }];
  }

  function fromTrace(doc) {
    var n = doc.sources.length;
    setStatus(n ? "Found " + n + " candidate source" + (n > 1 ? "s" : "") + " among " + doc.candidates +
      " retrieved." : "No candidate source in the index.", false);
    $("unsourced").textContent = doc.unsourced.length + " sentence(s) of the article have no source in the index.";
    return doc.sources.map(function (s) {
      var v = doc.view.sources[s.id];
      return {
        name: s.title ? s.title + " (" + s.id + ")" : s.id, role: s.role, result: s,
        sourceText: v.text, suspectText: doc.view.article_text, view: v
      };
    });
  }

  function showSources(items) {
    state.items = items;
    var body = $("sources").tBodies[0];
    body.replaceChildren();
    items.forEach(function (item, i) {
      var r = item.result;
      var row = el("tr");
      row.appendChild(el("td", null, i + 1));
      var cell = el("td");
      var pick = el("button", "pick", item.name);
      pick.type = "button";
      pick.setAttribute("aria-label", "Show source " + (i + 1) + ": " + item.name);
      pick.addEventListener("click", function () { select(i); });
      cell.appendChild(pick);
      row.appendChild(cell);
      row.appendChild(el("td", "role", item.role));
      row.appendChild(el("td", "verdict", r.verdict));
      row.appendChild(el("td", "probability", pct(r.probability)));
      row.appendChild(el("td", "coverage", pct(r.coverage)));
      body.appendChild(row);
    });
    $("results").hidden = false;
    if (items.length) { select(0); } else { $("detail").hidden = true; }
  }

  function select(i) {
    var item = state.items[i];
    state.current = item;
    Array.prototype.forEach.call($("sources").tBodies[0].rows, function (row, k) {
      row.classList.toggle("selected", k === i);
    });
    var r = item.result;
    $("summary").textContent = item.view.summary;
    var figures = $("figures");
    figures.replaceChildren();
    [["verdict", r.verdict], ["probability derived", pct(r.probability)], ["article covered", pct(r.coverage)],
      ["source reused", pct(r.source_coverage)]].forEach(function (pair) {
      var span = el("span", null, pair[0] + " ");
      span.appendChild(el("b", null, pair[1]));
      figures.appendChild(span);
    });
    $("direction").textContent = "Direction: " + item.view.direction + " (basis: " + r.direction.basis + ")";
    $("source-name").textContent = item.name;
    var findings = numberFindings(r.findings);
    renderFindings(findings);
    var shown = item.view.shown_alignments;
    var alignments = r.alignments.map(function (a, k) { return { a: a, id: "a" + k }; })
      .filter(function (x) { return shown.indexOf(Number(x.id.slice(1))) >= 0; });
    state.alignments = alignments;
    highlight($("source-text"), item.sourceText, spans(alignments, findings, "source"));
    highlight($("suspect-text"), item.suspectText, spans(alignments, findings, "suspect"));
    $("source-text").scrollTop = 0;
    $("suspect-text").scrollTop = 0;
    $("detail").hidden = false;
  }

  function numberFindings(findings) {
    return findings.map(function (f, k) { return { f: f, order: k }; }).sort(function (x, y) {
      var s = SEVERITY_RANK[x.f.severity] - SEVERITY_RANK[y.f.severity];
      var px = x.f.suspect ? x.f.suspect[0] : 1e12, py = y.f.suspect ? y.f.suspect[0] : 1e12;
      return s || (px - py) || (x.order - y.order);
    }).map(function (x, k) { return { f: x.f, id: "f" + (k + 1), n: k + 1 }; });
  }

  function renderFindings(findings) {
    var list = $("findings");
    list.replaceChildren();
    $("findings-count").textContent = findings.length;
    var item = state.current;
    findings.forEach(function (x) {
      var f = x.f;
      var li = el("li", f.severity);
      li.id = "finding-" + x.n;
      var button = el("button");
      button.type = "button";
      button.dataset.f = x.id;
      button.appendChild(el("span", "severity", f.severity));
      button.appendChild(document.createTextNode(" "));
      button.appendChild(el("span", "type", f.type));
      button.appendChild(document.createTextNode(": " + f.detail));
      if (f.confidence !== null && f.confidence !== undefined) {
        button.appendChild(el("span", "confidence", " (model: " + Math.round(f.confidence * 100) + "% unsupported)"));
      }
      if (f.suspect) {
        button.appendChild(el("q", "snippet", "article: " + item.suspectText.slice(f.suspect[0], f.suspect[1])));
      }
      if (f.source) {
        button.appendChild(el("q", "snippet", "source: " + item.sourceText.slice(f.source[0], f.source[1])));
      }
      button.addEventListener("click", function () { goToFinding(x, li); });
      li.appendChild(button);
      list.appendChild(li);
    });
  }

  // ---- highlighting ------------------------------------------------------------------------
  function spans(alignments, findings, side) {
    var out = [];
    alignments.forEach(function (x) {
      var where = x.a[side];
      out.push({ start: where[0], end: where[1], kind: x.a.kind, aid: x.id });
    });
    findings.forEach(function (x) {
      var where = x.f[side];
      if (!where) { return; }
      var mark = "";
      if (x.f.type === "unsupported_addition" || x.f.type === "quote_fabricated") { mark = "unsupported"; }
      if (x.f.type === "dropped_content") { mark = "dropped"; }
      out.push({ start: where[0], end: where[1], fid: x.id, n: x.n, severity: x.f.severity, mark: mark });
    });
    return out;
  }

  // The text cut at every span boundary; each covered piece is one <span> carrying the alignments
  // and findings over it (they may overlap), and a finding's number is written where it begins.
  function highlight(container, text, all) {
    container.replaceChildren();
    var valid = all.filter(function (s) { return s.start >= 0 && s.start < s.end && s.end <= text.length; });
    var cuts = [0, text.length];
    valid.forEach(function (s) { cuts.push(s.start, s.end); });
    cuts = cuts.filter(function (c, i, arr) { return arr.indexOf(c) === i; }).sort(function (a, b) { return a - b; });
    var fragment = document.createDocumentFragment();
    for (var i = 0; i + 1 < cuts.length; i++) {
      var a = cuts[i], b = cuts[i + 1];
      valid.forEach(function (s) {
        if (s.fid && s.start === a) { fragment.appendChild(el("sup", "fn", "[" + s.n + "]")); }
      });
      var covering = valid.filter(function (s) { return s.start <= a && b <= s.end; });
      var piece = text.slice(a, b);
      if (!covering.length) { fragment.appendChild(document.createTextNode(piece)); continue; }
      var kinds = covering.filter(function (s) { return s.kind; })
        .sort(function (x, y) { return KIND_RANK[x.kind] - KIND_RANK[y.kind]; });
      var found = covering.filter(function (s) { return s.fid; });
      var classes = [];
      if (kinds.length) { classes.push("al", kinds[0].kind); }
      if (found.length) {
        var worst = found.map(function (s) { return s.severity; })
          .sort(function (x, y) { return SEVERITY_RANK[x] - SEVERITY_RANK[y]; })[0];
        classes.push("finding", worst);
        found.forEach(function (s) { if (s.mark && classes.indexOf(s.mark) < 0) { classes.push(s.mark); } });
      }
      var span = el("span", classes.join(" "), piece);
      if (kinds.length) { span.dataset.a = kinds.map(function (s) { return s.aid; }).join(" "); }
      if (found.length) {
        span.dataset.f = found.map(function (s) { return s.fid; }).join(" ");
        span.title = found.map(function (s) { return "[" + s.n + "] " + s.severity; }).join("\n");
      }
      fragment.appendChild(span);
    }
    container.appendChild(fragment);
  }

  function marks(container, attr, id) {
    return Array.prototype.filter.call(container.querySelectorAll("[data-" + attr + "]"), function (node) {
      return node.dataset[attr].split(" ").indexOf(id) >= 0;
    });
  }

  function clearActive() {
    document.querySelectorAll(".text .active").forEach(function (n) { n.classList.remove("active"); });
    document.querySelectorAll("ol#findings li.active").forEach(function (n) { n.classList.remove("active"); });
  }

  function scrollPane(pane, node) {
    if (!node) { return; }
    pane.scrollTop = Math.max(0, node.offsetTop - pane.clientHeight / 3);
  }

  // The alignment nearest a finding that has a span on one side only: where the other side scrolls.
  function nearestAlignment(side, where) {
    var best = null, bestGap = Infinity;
    (state.alignments || []).forEach(function (x) {
      var span = x.a[side];
      var gap = span[1] <= where[0] ? where[0] - span[1] : span[0] >= where[1] ? span[0] - where[1] : 0;
      if (gap < bestGap) { best = x; bestGap = gap; }
    });
    return best;
  }

  function goToFinding(x, li) {
    clearActive();
    li.classList.add("active");
    var panes = { source: $("source-text"), suspect: $("suspect-text") };
    var targets = {};
    ["source", "suspect"].forEach(function (side) {
      var found = marks(panes[side], "f", x.id);
      found.forEach(function (n) { n.classList.add("active"); });
      targets[side] = found[0] || null;
    });
    ["source", "suspect"].forEach(function (side) {
      var other = side === "source" ? "suspect" : "source";
      if (!targets[side] && x.f[other]) {
        var near = nearestAlignment(other, x.f[other]);
        if (near) { targets[side] = marks(panes[side], "a", near.id)[0] || null; }
      }
      scrollPane(panes[side], targets[side]);
    });
    var shown = targets.suspect || targets.source;
    if (shown) { shown.closest(".panes").scrollIntoView({ block: "nearest" }); }
  }

  function onTextClick(event) {
    var node = event.target.closest("[data-a]");
    if (!node) { return; }
    clearActive();
    var ids = node.dataset.a.split(" ");
    var here = event.currentTarget;
    var there = here.id === "source-text" ? $("suspect-text") : $("source-text");
    var first = null;
    ids.forEach(function (id) {
      marks(here, "a", id).forEach(function (n) { n.classList.add("active"); });
      marks(there, "a", id).forEach(function (n) { n.classList.add("active"); first = first || n; });
    });
    scrollPane(there, first);
  }

  document.addEventListener("DOMContentLoaded", function () {
    wireUpload("article-file", "article", "article-html");
    wireUpload("other-file", "other", "other-html");
    $("check").addEventListener("submit", submit);
    $("source-text").addEventListener("click", onTextClick);
    $("suspect-text").addEventListener("click", onTextClick);
  });
}());
