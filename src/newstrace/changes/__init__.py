"""Change analysis: what the rewrite did to its source, as typed findings with offsets.

No licensed entailment model ships on PyPI, so each check is a rule over the sentence
alignment: an unaligned suspect sentence is an unsupported addition, an unaligned source
passage is dropped content, and aligned pairs are compared for figures, dates, names, quotes,
speakers and hedges. The rules reason only from pairs a reader could defend one by one
(`align.defensible`); the looser alignment that coverage counts would tie dropped passages to
unrelated sentences beside their true partners.

Every `detail` is a sentence that quotes the texts as they stand, in their order.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from newstrace.align import Alignment, defensible, wording_ratio
from newstrace.attribution import find_credits
from newstrace.changes import wording as w
from newstrace.changes.facts import (
    VAGUE_TIMES,
    is_cased,
    name_mentions_any_case,
    name_phrases,
    name_supported,
    name_tokens,
    number_mentions,
    number_values,
    time_expressions,
    time_mentions,
)
from newstrace.changes.hedges import hedges
from newstrace.changes.quotes import Quote, find_quotes
from newstrace.changes.speakers import Speaker, describe, same_speaker, speakers
from newstrace.findings import Finding, ordered
from newstrace.lexical import content_words, normalise, rarity, tokens, weighted_containment
from newstrace.prepared import PreparedText

MIN_STATEMENT_WORDS = 4
CROSSHEAD_WORDS = 10  # an all-capitals line this short is a heading, not content
RESTATED = 0.6  # rarity-weighted share of a sentence's words found in one nearby source sentence
_CLAUSE = re.compile(r",\s+(?:and\s+)?|\s+and\s+|;\s+")
_WORD = re.compile(r"[^\W_]+(?:[’'.-][^\W_]+)*")
_HEDGE_WORDS = {
    "modal": "The source hedges this ({}); the rewrite states it as fact.",
    "reported": "The source marks this as unconfirmed ({}); the rewrite states it as fact.",
    "assessment": "The source gives this as others' view ({}); the rewrite states it as fact.",
}


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def is_crosshead(text: str) -> bool:
    """An all-capitals short line ("DELEGATION OF DEFENCE OFFICIALS"): a heading inside the story."""
    letters = [c for c in text if c.isalpha()]
    return (
        len(letters) >= 3
        and sum(c.isupper() for c in letters) >= 0.9 * len(letters)
        and len(text.split()) <= CROSSHEAD_WORDS
        and not text.rstrip().endswith((".", "!", "?", "”", '"'))
    )


class _Context:
    """The two texts and their defensible alignment, indexed both ways."""

    def __init__(self, source: PreparedText, suspect: PreparedText, alignments: list[Alignment]) -> None:
        self.source, self.suspect = source, suspect
        self.sus_to_src: dict[int, list[int]] = {}
        self.src_to_sus: dict[int, list[int]] = {}
        for a in defensible(source, suspect, alignments):
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
        self.source_cased, self.suspect_cased = is_cased(body), is_cased(suspect.document.body)

    def src_span(self, js: list[int]) -> tuple[int, int]:
        segs = [self.source.segments[j] for j in js]
        return (min(s.start for s in segs), max(s.end for s in segs))

    def src_text(self, js: list[int]) -> str:
        return " ".join(self.source.segments[j].text for j in sorted(set(js)))


def _new_names(ctx: _Context, text: str) -> list[str]:
    return [
        surface
        for surface, key in name_mentions_any_case(text, ctx.source_name_tokens_only, cased=ctx.suspect_cased)
        if not name_supported(key, ctx.source_name_tokens) and not _common_word(key, text)
    ]


def _new_facts(ctx: _Context, text: str) -> dict[str, str]:
    """Names, figures and times in a sentence that the source never mentions, in text order."""
    names = _new_names(ctx, text)
    figures = w.ordered_unique([s for s, values in number_mentions(text) if not values & ctx.source_numbers])
    times = w.ordered_unique([s for s, atom in time_mentions(text) if atom not in ctx.source_times])
    out = {}
    if names:
        out["new_names"] = ", ".join(names)
    if figures:
        out["new_figures"] = ", ".join(figures)
    if times:
        out["new_times"] = ", ".join(times)
    return out


def _facts_sentence(facts: dict[str, str]) -> str:
    parts = []
    for key, noun in (("new_names", "name"), ("new_figures", "figure"), ("new_times", "time")):
        if key in facts:
            items = facts[key].split(", ")
            parts.append(f"the {noun}{'s' if len(items) > 1 else ''} {w.quoted(items)}")
    return f" The source never mentions {w.listing(parts)}." if parts else ""


def _kind(text: str) -> tuple[str, str, list[Speaker]]:
    if find_quotes(text):
        return "quote", "critical", []
    found = speakers(text)
    if found:
        return "attributed statement", "critical", found
    return "statement", "warning", []


def _restated_by(ctx: _Context, i: int) -> int | None:
    """A source sentence near where the neighbours align that carries most of sentence i's words."""
    words = ctx.suspect.content_sets[i]
    near = {j2 for i2 in (i - 1, i + 1) for j in ctx.sus_to_src.get(i2, []) for j2 in (j - 1, j, j + 1)}
    best, best_j = 0.0, None
    for j in sorted(j for j in near if 0 <= j < len(ctx.source.segments)):
        share = weighted_containment(words, ctx.source.content_sets[j])
        if share > best:
            best, best_j = share, j
    return best_j if best >= RESTATED else None


def _additions(ctx: _Context, fabricated_quote_sentences: set[int]) -> list[Finding]:
    out = []
    for i, seg in enumerate(ctx.suspect.segments):
        if i in ctx.sus_to_src or i in fabricated_quote_sentences:
            continue
        if len(ctx.suspect.token_lists[i]) < MIN_STATEMENT_WORDS:
            continue
        restated = _restated_by(ctx, i)
        if restated is not None:  # a sentence split off its source: only what it adds is new
            out += _restated_additions(ctx, i, restated)
            continue
        kind, severity, found = _kind(seg.text)
        facts = _new_facts(ctx, seg.text)
        evidence = {"suspect": seg.text, "kind": kind, **facts}
        if found:
            lead = f"The rewrite credits a statement to {describe(found)} that the source does not contain"
        else:
            lead = f"The rewrite adds a {kind} that the source does not support"
        out.append(
            Finding(
                "unsupported_addition",
                f"{lead}: {w.final_quote(w.snippet(seg.text, 140))}" + _facts_sentence(facts),
                suspect=(seg.start, seg.end),
                severity=severity,
                evidence=evidence,
            )
        )
    return out


def _restated_additions(ctx: _Context, i: int, j: int) -> list[Finding]:
    """What an unaligned sentence adds to the nearby source sentence that carries most of its words."""
    clauses = _unsupported_clauses(ctx, i, [j], min_rarity=0.0)
    if clauses:
        return clauses
    seg, src = ctx.suspect.segments[i], ctx.source.segments[j]
    support = ctx.source.content_sets[j]
    added = w.ordered_unique(
        [m.group() for m in _WORD.finditer(seg.text) if (content_words(tokens(m.group())) - support)]
    )
    if not added:
        return []
    return [
        Finding(
            "unsupported_addition",
            f"The rewrite restates part of “{w.snippet(src.text, 100)}” and adds words the source does not "
            f"have there: {w.quoted(added[:8])}.",
            suspect=(seg.start, seg.end),
            source=(src.start, src.end),
            severity="warning",
            evidence={"suspect": seg.text, "source": src.text, "kind": "detail"},
        )
    ]


def _unsupported_clauses(ctx: _Context, i: int, js: list[int], min_rarity: float = 2.5) -> list[Finding]:
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
        if len(unsupported) / len(words) < 0.75 or max(rarity(x) for x in unsupported) < min_rarity:
            continue
        _, severity, found = _kind(clause)
        credited = [sp for j in near for sp in speakers(ctx.source.segments[j].text)]
        if found and all(any(same_speaker(f.words, c.words) for c in credited) for f in found):
            continue  # "as reported by RadarOnline.com" where the source says "told Radar"
        if found:
            detail = (
                f"The rewrite adds a clause crediting {describe(found)} with something the source "
                f"does not report: {w.final_quote(clause)}"
            )
        else:
            severity = "warning"
            detail = f"The rewrite adds a {where} clause the source does not support: {w.final_quote(clause)}"
        span = (seg.start + start, seg.start + start + len(clause))
        out.append(
            Finding(
                "unsupported_addition",
                detail,
                suspect=span,
                source=ctx.src_span(js),
                severity=severity,
                evidence={"suspect": clause, "source": ctx.src_text(js), "kind": "detail"},
            )
        )
    return out


def _dropped(ctx: _Context) -> list[Finding]:
    total = float(ctx.source.lengths.sum()) or 1.0
    groups: list[list[int]] = []
    for j, seg in enumerate(ctx.source.segments):
        if j in ctx.src_to_sus or is_crosshead(seg.text):
            continue
        if groups and groups[-1][-1] == j - 1:
            groups[-1].append(j)
        else:
            groups.append([j])
    out = []
    for g in groups:
        if all(len(ctx.source.token_lists[j]) < MIN_STATEMENT_WORDS for j in g):
            continue  # a sign-off or a dateline alone is not content
        span = ctx.src_span(g)
        share = sum(ctx.source.lengths[j] for j in g) / total
        verb = "is" if len(g) == 1 else "are"
        out.append(
            Finding(
                "dropped_content",
                w.capitalise(
                    f"{w.count(len(g), 'source sentence')} ({share:.0%} of the source) {verb} not carried over: "
                    f"{w.final_quote(w.snippet(ctx.source.text[span[0] : span[1]], 100))}"
                ),
                source=span,
                severity="info",
                evidence={"source": w.snippet(ctx.source.text[span[0] : span[1]], 400), "share": f"{share:.3f}"},
            )
        )
    return out


def _numbers(ctx: _Context, src_text: str, sus_text: str) -> tuple[list[str], list[str]]:
    """Figures of the source sentence the rewrite lost, and figures it brought that the source lacks."""
    ns, nt = number_values(src_text), number_values(sus_text)
    missing = w.ordered_unique([s for s, values in number_mentions(src_text) if not values & nt])
    new = w.ordered_unique(
        [s for s, values in number_mentions(sus_text) if not values & ns and not values & ctx.source_numbers]
    )
    return missing, new


def _facts(ctx: _Context, i: int, js: list[int]) -> list[Finding]:
    seg = ctx.suspect.segments[i]
    src_text, sus_text = ctx.src_text(js), seg.text
    span_s, span_t = ctx.src_span(js), (seg.start, seg.end)
    evidence = {"source": src_text, "suspect": sus_text}
    out = []

    def add(kind: str, detail: str, severity: str, extra: dict | None = None) -> None:
        out.append(Finding(kind, detail, span_t, span_s, severity, {**evidence, **(extra or {})}))

    # figures
    missing, new = _numbers(ctx, src_text, sus_text)
    if new and missing:
        add("number_changed", f"The source's {w.quoted(missing)} became {w.quoted(new)}.", "critical")
    elif new:
        add("number_changed", f"The rewrite gives the figure {w.quoted(new)}, which the source does not.", "warning")
    # dates and times
    ts, tt = time_expressions(src_text), time_expressions(sus_text)
    new_t = w.ordered_unique(
        [s for s, t in time_mentions(sus_text) if t not in ts and (t not in ctx.source_times or t in VAGUE_TIMES)]
    )
    lost = [(s, t) for s, t in time_mentions(src_text) if t not in tt]
    if new_t and lost:
        add(
            "date_changed",
            f"The source's {w.quoted(w.ordered_unique([s for s, _ in lost]))} became {w.quoted(new_t)}.",
            "warning",
        )
    else:
        gone = [(s, t) for s, t in lost if t not in ctx.suspect_times and (span_s, t) not in ctx.reported_times]
        if gone:
            ctx.reported_times |= {(span_s, t) for _, t in gone}
            surfaces = w.ordered_unique([s for s, _ in gone])
            add("date_changed", f"The rewrite drops the time {w.quoted(surfaces)}.", "info")
        elif new_t and not lost:
            add(
                "date_changed",
                f"The rewrite adds the time {w.quoted(new_t)}, which the source does not give.",
                "warning",
            )
    # names
    ps = name_mentions_any_case(src_text, ctx.suspect_name_tokens, cased=ctx.source_cased)
    new_n = _new_names(ctx, sus_text)
    missing_n = [s for s, key in ps if not name_supported(key, ctx.suspect_tokens)]
    if new_n and missing_n:
        add("entity_changed", f"The source's {w.quoted(missing_n)} became {w.quoted(new_n)}.", "critical")
    elif new_n:
        noun = "names" if len(new_n) > 1 else "name"
        add(
            "unsupported_addition",
            f"The rewrite adds the {noun} {w.quoted(new_n)}, not in the source.",
            "warning",
            {"kind": "name"},
        )
    _attribution(ctx, add, src_text, sus_text)
    return out


def _attribution(ctx: _Context, add: Callable[..., None], src_text: str, sus_text: str) -> None:
    """Who the claim is credited to: a change when a speaker of the source is gone and another stands in.

    A speaker is compared with speakers, an outlet a claim was relayed through ("told Reuters",
    "according to Kyodo") with outlets and speakers alike; an outlet the source names is no
    speaker the rewrite can replace ("she told Mail Online" / "Ninaki revealed").
    """
    sp_s, sp_t = speakers(src_text), speakers(sus_text)
    unmatched = [t for t in sp_t if not any(same_speaker(s.words, t.words) for s in sp_s)]
    gone = [s for s in sp_s if not any(same_speaker(s.words, t.words) for t in sp_t)]
    replaced = [t for t in unmatched if any(t.channel or not s.channel for s in gone)]
    if replaced and gone:
        add(
            "attribution_changed",
            f"The source attributes this to {describe(sp_s)}; the rewrite to {describe(replaced)}.",
            "critical",
        )
    elif unmatched and not sp_s:
        known = ctx.source_tokens - {"source", "official", "officials"}
        strangers = [t for t in unmatched if not {p for x in t.words for p in re.split(r"[-.]", x) if p} & known]
        if strangers:
            add(
                "attribution_changed",
                f"The rewrite credits this to {describe(strangers)}, whom the source never names.",
                "warning",
            )


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
        src = ctx.source.segments[j]
        seg = ctx.suspect.segments[min(partners)]
        for cls, words in hs.items():
            if cls in kept:
                continue
            phrase = re.search(re.escape(words), src.text, re.I)
            out.append(
                Finding(
                    "hedge_removed",
                    _HEDGE_WORDS[cls].format(f"“{phrase.group() if phrase else words}”"),
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
    return len(words) == 1 and normalise(sentence.lstrip("“\"' ")).startswith(words[0]) and rarity(words[0]) < 3.0


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
                    f"The rewrite changes the words of a quote: the source has “{w.clean(s.text)}”, "
                    f"the rewrite {w.final_quote(q.text)}",
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
                    f"The rewrite puts in quotation marks words the source does not quote: {w.final_quote(q.text)}",
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
                f"The rewrite quotes words found nowhere in the source: {w.final_quote(w.snippet(q.text))}",
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
                f"The rewrite turns the direct quote “{w.snippet(w.clean(s.text), 100)}” into reported speech.",
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
                f"The source credits {agency} {w.times(len(spans))}; the rewrite never does.",
                suspect=suspect_span,
                source=first,
                severity="critical",
                evidence={"source": w.snippet(doc.text[first[0] : first[1]]), "agency": agency},
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
