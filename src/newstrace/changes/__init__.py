"""Change analysis: what the rewrite did to its source, as typed findings with offsets.

No licensed entailment model ships on PyPI, so each check is a rule over the sentence
alignment: an unaligned suspect sentence is an unsupported addition, an unaligned source
passage is dropped content, and aligned pairs are compared for figures, dates, names, quotes,
speakers and hedges.
"""

from __future__ import annotations

import re

from newstrace.align import Alignment, wording_ratio
from newstrace.attribution import find_credits
from newstrace.changes.facts import (
    VAGUE_TIMES,
    name_phrases,
    name_supported,
    name_tokens,
    names_any_case,
    number_values,
    time_expressions,
)
from newstrace.changes.hedges import hedges
from newstrace.changes.quotes import Quote, find_quotes
from newstrace.changes.speakers import same_speaker, speakers
from newstrace.findings import Finding, ordered
from newstrace.lexical import content_words, normalise, rarity, tokens
from newstrace.prepared import PreparedText

MIN_STATEMENT_WORDS = 4
_CLAUSE = re.compile(r",\s+(?:and\s+)?|\s+and\s+|;\s+")


def _snippet(text: str, span: tuple[int, int], limit: int = 160) -> str:
    s = " ".join(text[span[0] : span[1]].split())
    return s if len(s) <= limit else s[: limit - 1] + "…"


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


class _Context:
    """The two texts and their alignment, indexed both ways."""

    def __init__(self, source: PreparedText, suspect: PreparedText, alignments: list[Alignment]) -> None:
        self.source, self.suspect = source, suspect
        self.sus_to_src: dict[int, list[int]] = {}
        self.src_to_sus: dict[int, list[int]] = {}
        for a in alignments:
            self.sus_to_src.setdefault(a.suspect_index, []).append(a.source_index)
            self.src_to_sus.setdefault(a.source_index, []).append(a.suspect_index)
        body = source.document.body
        self.source_numbers = number_values(body)
        self.source_times = time_expressions(body)
        self.source_tokens = set(tokens(body))
        self.source_name_tokens_only = name_tokens(name_phrases(body))
        self.source_name_tokens = self.source_name_tokens_only | self.source_tokens
        self.suspect_name_tokens = name_tokens(name_phrases(suspect.document.body))
        self.suspect_tokens = set(tokens(suspect.document.body))
        self.suspect_times = time_expressions(suspect.document.body)
        self.reported_times: set[tuple[tuple[int, int], str]] = set()

    def src_span(self, js: list[int]) -> tuple[int, int]:
        segs = [self.source.segments[j] for j in js]
        return (min(s.start for s in segs), max(s.end for s in segs))

    def src_text(self, js: list[int]) -> str:
        return " ".join(self.source.segments[j].text for j in sorted(set(js)))


def _new_facts(ctx: _Context, text: str) -> dict[str, str]:
    """Names, figures and times in a sentence that the source never mentions."""
    names = sorted(
        p
        for p in names_any_case(text, ctx.source_name_tokens_only)
        if not name_supported(p, ctx.source_name_tokens) and not _common_word(p, text)
    )
    figures = sorted(_fmt(v) for v in number_values(text) - ctx.source_numbers)
    times = sorted(time_expressions(text) - ctx.source_times)
    out = {}
    if names:
        out["new_names"] = ", ".join(names)
    if figures:
        out["new_figures"] = ", ".join(figures)
    if times:
        out["new_times"] = ", ".join(times)
    return out


def _sentence_kind(text: str) -> tuple[str, str]:
    if find_quotes(text):
        return "quote", "critical"
    if speakers(text):
        return "attributed statement", "critical"
    return "statement", "warning"


def _additions(ctx: _Context, fabricated_quote_sentences: set[int]) -> list[Finding]:
    out = []
    for i, seg in enumerate(ctx.suspect.segments):
        if i in ctx.sus_to_src or i in fabricated_quote_sentences:
            continue
        if len(ctx.suspect.token_lists[i]) < MIN_STATEMENT_WORDS:
            continue
        kind, severity = _sentence_kind(seg.text)
        evidence = {"suspect": seg.text, "kind": kind, **_new_facts(ctx, seg.text)}
        extra = "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in evidence.items() if k.startswith("new_"))
        out.append(
            Finding(
                "unsupported_addition",
                f"{kind} with no support in the source: “{_snippet(seg.text, (0, len(seg.text)), 120)}”"
                + (f" ({extra})" if extra else ""),
                suspect=(seg.start, seg.end),
                severity=severity,
                evidence=evidence,
            )
        )
    return out


def _unsupported_clauses(ctx: _Context, i: int, js: list[int]) -> list[Finding]:
    """Leading or trailing clauses whose words appear nowhere near the aligned source sentences.

    Rewriters append details ("... and the foreign minister") or prefix claims ("While an official
    declined to comment, ...") to sentences that are otherwise supported.
    """
    seg = ctx.suspect.segments[i]
    cuts = list(_CLAUSE.finditer(seg.text))
    if not cuts:
        return []
    near = [j2 for j in js for j2 in (j - 1, j, j + 1) if 0 <= j2 < len(ctx.source.segments)]
    support = set().union(*(ctx.source.content_sets[j] for j in near))
    out = []
    clauses = [(0, cuts[0].start(), "leading"), (cuts[-1].end(), len(seg.text), "trailing")]
    for start, end, where in clauses:
        clause = seg.text[start:end].rstrip(" .")
        words = content_words(tokens(clause))
        if len(words) < 2 or len(words) > 12:
            continue
        unsupported = words - support
        if len(unsupported) / len(words) < 0.75 or max(rarity(w) for w in unsupported) < 2.5:
            continue
        span = (seg.start + start, seg.start + start + len(clause))
        out.append(
            Finding(
                "unsupported_addition",
                f"{where} clause added to a supported sentence: “{clause}”",
                suspect=span,
                source=ctx.src_span(js),
                severity="warning",
                evidence={"suspect": clause, "source": ctx.src_text(js), "kind": "detail"},
            )
        )
    return out


def _dropped(ctx: _Context) -> list[Finding]:
    total = float(ctx.source.lengths.sum()) or 1.0
    groups: list[list[int]] = []
    for j, _seg in enumerate(ctx.source.segments):
        if j in ctx.src_to_sus:
            continue
        if groups and groups[-1][-1] == j - 1:
            groups[-1].append(j)
        else:
            groups.append([j])
    out = []
    for g in groups:
        if all(len(ctx.source.token_lists[j]) < MIN_STATEMENT_WORDS for j in g):
            continue  # a heading or a sign-off alone is not content
        span = ctx.src_span(g)
        share = sum(ctx.source.lengths[j] for j in g) / total
        out.append(
            Finding(
                "dropped_content",
                f"{len(g)} source sentence(s), {share:.0%} of the source, not carried over: "
                f"“{_snippet(ctx.source.text, span, 100)}”",
                source=span,
                severity="info",
                evidence={"source": _snippet(ctx.source.text, span, 400), "share": f"{share:.3f}"},
            )
        )
    return out


def _facts(ctx: _Context, i: int, js: list[int]) -> list[Finding]:
    seg = ctx.suspect.segments[i]
    src_text, sus_text = ctx.src_text(js), seg.text
    span_s, span_t = ctx.src_span(js), (seg.start, seg.end)
    evidence = {"source": src_text, "suspect": sus_text}
    out = []
    # figures
    ns, nt = number_values(src_text), number_values(sus_text)
    new = {v for v in nt - ns if v not in ctx.source_numbers}
    missing = ns - nt
    if new and missing:
        out.append(
            Finding(
                "number_changed",
                f"{', '.join(_fmt(v) for v in sorted(missing))} became {', '.join(_fmt(v) for v in sorted(new))}",
                span_t,
                span_s,
                "critical",
                evidence,
            )
        )
    elif new:
        out.append(
            Finding(
                "number_changed",
                f"figure {', '.join(_fmt(v) for v in sorted(new))} is not in the source",
                span_t,
                span_s,
                "warning",
                evidence,
            )
        )
    # dates and times
    ts, tt = time_expressions(src_text), time_expressions(sus_text)
    new_t = {t for t in tt - ts if t not in ctx.source_times or t in VAGUE_TIMES}
    missing_t = ts - tt
    if new_t and missing_t:
        out.append(
            Finding(
                "date_changed",
                f"“{', '.join(sorted(missing_t))}” became “{', '.join(sorted(new_t))}”",
                span_t,
                span_s,
                "warning",
                evidence,
            )
        )
    elif missing_t - ctx.suspect_times and not ctx.reported_times & {(span_s, t) for t in missing_t}:
        gone = missing_t - ctx.suspect_times
        ctx.reported_times |= {(span_s, t) for t in gone}
        out.append(
            Finding("date_changed", f"time “{', '.join(sorted(gone))}” dropped", span_t, span_s, "info", evidence)
        )
    elif new_t:
        out.append(
            Finding(
                "date_changed",
                f"time “{', '.join(sorted(new_t))}” is not in the source",
                span_t,
                span_s,
                "warning",
                evidence,
            )
        )
    # names
    ps = names_any_case(src_text, ctx.suspect_name_tokens)
    pt = names_any_case(sus_text, ctx.source_name_tokens_only)
    new_n = {p for p in pt if not name_supported(p, ctx.source_name_tokens) and not _common_word(p, sus_text)}
    missing_n = {p for p in ps if not name_supported(p, ctx.suspect_tokens)}
    if new_n and missing_n:
        out.append(
            Finding(
                "entity_changed",
                f"{', '.join(sorted(missing_n))} replaced by {', '.join(sorted(new_n))}",
                span_t,
                span_s,
                "critical",
                evidence,
            )
        )
    elif new_n:
        out.append(
            Finding(
                "unsupported_addition",
                f"name not in the source: {', '.join(sorted(new_n))}",
                span_t,
                span_s,
                "warning",
                {**evidence, "kind": "name"},
            )
        )
    # who said it
    sp_s, sp_t = _distinct(speakers(src_text)), _distinct(speakers(sus_text))
    unmatched = [t for t in sp_t if not any(same_speaker(s, t) for s in sp_s)]
    if unmatched and sp_s:
        credited = "; ".join(" ".join(sorted(s)) for s in sp_s)
        now = "; ".join(" ".join(sorted(t)) for t in unmatched)
        out.append(
            Finding(
                "attribution_changed",
                f"the source credits “{credited}”; the suspect credits “{now}”",
                span_t,
                span_s,
                "critical",
                evidence,
            )
        )
    elif unmatched:
        known = ctx.source_tokens - {"source", "official", "officials"}
        strangers = [t for t in unmatched if not {p for w in t for p in re.split(r"[-.]", w) if p} & known]
        if strangers:
            out.append(
                Finding(
                    "attribution_changed",
                    f"the suspect credits “{'; '.join(' '.join(sorted(t)) for t in strangers)}”, unknown to the source",
                    span_t,
                    span_s,
                    "warning",
                    evidence,
                )
            )
    return out


def _distinct(phrases: list[set[str]]) -> list[set[str]]:
    out: list[set[str]] = []
    for p in phrases:
        if p not in out:
            out.append(p)
    return out


def _hedges(ctx: _Context) -> list[Finding]:
    """A source sentence's hedge class missing from every suspect sentence that carries it."""
    out = []
    for j, partners in sorted(ctx.src_to_sus.items()):
        hs = hedges(ctx.source.segments[j].text)
        if not hs:
            continue
        near = {i2 for i in partners for i2 in (i - 1, i, i + 1) if 0 <= i2 < len(ctx.suspect.segments)}
        kept = set()
        for i in near:
            kept |= set(hedges(ctx.suspect.segments[i].text))
        lost = {k: v for k, v in hs.items() if k not in kept}
        if not lost:
            continue
        seg = ctx.suspect.segments[min(partners)]
        src = ctx.source.segments[j]
        out.append(
            Finding(
                "hedge_removed",
                f"the source hedges (“{', '.join(lost.values())}”); the suspect states it as fact",
                (seg.start, seg.end),
                (src.start, src.end),
                "warning",
                {"source": src.text, "suspect": seg.text},
            )
        )
    return out


def _common_word(phrase: str, sentence: str) -> bool:
    """A capitalised common word at the start of a sentence ("Notably", "Despite") is no name."""
    words = phrase.split()
    return len(words) == 1 and sentence.lstrip("“\"' ").lower().startswith(words[0]) and rarity(words[0]) < 3.0


def _quotes(ctx: _Context) -> tuple[list[Finding], set[int]]:
    src_quotes = find_quotes(ctx.source.text, ctx.source.document.body_start)
    sus_quotes = find_quotes(ctx.suspect.text, ctx.suspect.document.body_start)
    src_words = content_words(tokens(ctx.source.document.body))
    out: list[Finding] = []
    fabricated_in: set[int] = set()
    matched_src: set[int] = set()
    for q in sus_quotes:
        qt = tokens(q.text)
        best, best_k = 0.0, -1
        for k, s in enumerate(src_quotes):
            r = wording_ratio(qt, tokens(s.text))
            if r > best:
                best, best_k = r, k
        if best >= 0.9:
            matched_src.add(best_k)
            continue
        if best >= 0.5:
            matched_src.add(best_k)
            s = src_quotes[best_k]
            out.append(
                Finding(
                    "quote_altered",
                    f"quote reworded: “{s.text}” → “{q.text}”",
                    (q.start, q.end),
                    (s.start, s.end),
                    "critical",
                    {"source": s.text, "suspect": q.text},
                )
            )
            continue
        words = content_words(qt)
        carried = len(words & src_words) / len(words) if words else 1.0
        if carried >= 0.8:
            out.append(
                Finding(
                    "quote_altered",
                    f"words put in quotation marks that the source does not quote: “{q.text}”",
                    (q.start, q.end),
                    None,
                    "warning",
                    {"suspect": q.text},
                )
            )
            continue
        out.append(
            Finding(
                "quote_fabricated",
                f"quote found nowhere in the source: “{_snippet(q.text, (0, len(q.text)))}”",
                (q.start, q.end),
                None,
                "critical",
                {"suspect": q.text},
            )
        )
        fabricated_in |= _segments_of(ctx.suspect, q)
    for k, s in enumerate(src_quotes):
        if k in matched_src:
            continue
        js = _segments_of(ctx.source, s)
        partners = sorted({i for j in js for i in ctx.src_to_sus.get(j, [])})
        if not partners:
            continue
        seg = ctx.suspect.segments[partners[0]]
        if find_quotes(seg.text):
            continue
        out.append(
            Finding(
                "quote_paraphrased",
                f"direct quote turned into reported speech: “{_snippet(s.text, (0, len(s.text)), 100)}”",
                (seg.start, seg.end),
                (s.start, s.end),
                "info",
                {"source": s.text, "suspect": seg.text},
            )
        )
    return out, fabricated_in


def _segments_of(prep: PreparedText, q: Quote) -> set[int]:
    return {k for k, seg in enumerate(prep.segments) if seg.start < q.end and seg.end > q.start}


def _credits(ctx: _Context) -> list[Finding]:
    doc = ctx.source.document
    credits = find_credits(doc.text, doc.body_start)
    agencies: dict[str, list[tuple[int, int]]] = {}
    for c in credits:
        agencies.setdefault(c.agency, []).append((c.start, c.end))
    if doc.dateline_agency:
        agencies.setdefault(doc.dateline_agency, []).append((0, doc.body_start))
    suspect_lower = normalise(ctx.suspect.document.body)
    out = []
    for agency, spans in agencies.items():
        if re.search(rf"\b{re.escape(normalise(agency))}\b", suspect_lower):
            continue
        first = spans[0]
        js = [j for j, s in enumerate(ctx.source.segments) if s.start < first[1] and s.end > first[0]]
        partners = sorted({i for j in js for i in ctx.src_to_sus.get(j, [])})
        suspect_span = (
            (ctx.suspect.segments[partners[0]].start, ctx.suspect.segments[partners[0]].end) if partners else None
        )
        out.append(
            Finding(
                "attribution_removed",
                f"the source credits {agency} ({len(spans)} time(s)); the suspect never does",
                suspect=suspect_span,
                source=first,
                severity="critical",
                evidence={"source": _snippet(doc.text, first), "agency": agency},
            )
        )
    return out


def analyse_changes(source: PreparedText, suspect: PreparedText, alignments: list[Alignment]) -> list[Finding]:
    """Typed differences between a suspect and the source it was derived from, critical first."""
    ctx = _Context(source, suspect, alignments)
    findings: list[Finding] = []
    findings += _credits(ctx)
    quote_findings, fabricated_in = _quotes(ctx)
    findings += quote_findings
    findings += _additions(ctx, fabricated_in)
    for i, js in sorted(ctx.sus_to_src.items()):
        js = sorted(set(js))
        findings += _facts(ctx, i, js)
        findings += _unsupported_clauses(ctx, i, js)
    findings += _hedges(ctx)
    findings += _dropped(ctx)
    return ordered(findings)
