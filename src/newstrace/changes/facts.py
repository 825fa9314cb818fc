"""Figures, dates and names in a sentence: the facts a rewrite can quietly change, and the rules that see it.

Patterns rather than a model: numbers and time expressions in English news follow a small set of
forms, and the capitalised-name heuristic is enough to notice that "Reuters" became "Kyodo". The
rules sit beside the patterns so that what counts as "the same figure" or "a new name" is decided
in one place: an aligned pair whose figure, time or name differs is a changed fact, and a figure,
time or name the whole source never mentions is new (`new_facts`, which additions also report).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from newstrace.changes import wording as w
from newstrace.lexical import STOPWORDS, normalise, rarity, sentence_cache

if TYPE_CHECKING:  # the context is built from these patterns; rules only take it as an argument
    from newstrace.changes.context import Context
    from newstrace.findings import Finding

_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "hundred": 100, "dozen": 12, "half": 0.5, "twice": 2, "thrice": 3,
}  # fmt: skip
_SCALE = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12, "k": 1e3, "m": 1e6, "bn": 1e9}
_NUM = re.compile(
    r"(?<![\w.])(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?:\s*(?P<scale>thousand|million|billion|trillion|bn)\b)?"
    r"|\b(?P<word>" + "|".join(_NUMBER_WORDS) + r")\b",
    re.I,
)
MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
]
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_RELATIVE = (
    r"yesterday|today|tonight|tomorrow|last (?:week|month|year|night)|next (?:week|month|year)|"
    r"this (?:week|month|year|morning|afternoon|evening)|earlier this \w+|recently|lately|"
    r"(?:early|late) (?:on )?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
)
_DATE = re.compile(
    r"\b(?:(?:" + "|".join(MONTHS) + r")\.?(?:\s+\d{1,2}(?:st|nd|rd|th)?)?(?:,?\s+\d{4})?"
    r"|(?:" + "|".join(WEEKDAYS) + r")|" + _RELATIVE + r"|(?:19|20)\d{2})\b",
    re.I,
)
VAGUE_TIMES = {"recently", "lately"}
_SHORT_MONTHS = {"jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"}


def _is_year(value: float, text: str) -> bool:
    return 1900 <= value <= 2100 and float(value).is_integer() and len(text) == 4


@sentence_cache
def number_mentions(text: str) -> tuple[tuple[str, frozenset[float]], ...]:
    """Numeric values in a sentence, in text order, each with the words that wrote it."""
    out: list[tuple[str, frozenset[float]]] = []
    for m in _NUM.finditer(text):
        if m.group("word"):
            word = m.group("word").lower()
            if word == "one":  # "one of the", "no one": too often not a quantity
                continue
            out.append((m.group(), frozenset({float(_NUMBER_WORDS[word])})))
            continue
        raw = m.group("num")
        try:
            value = float(raw.replace(",", ""))
        except ValueError:
            continue
        if _is_year(value, raw):
            continue
        values = {value}
        if m.group("scale"):
            values.add(value * _SCALE[m.group("scale").lower()])
        out.append((m.group(), frozenset(values)))
    return tuple(out)


def number_values(text: str) -> set[float]:
    """Numeric values in a sentence ("seven" and "7" both give 7.0; years are left to dates)."""
    return {v for _, values in number_mentions(text) for v in values}


@sentence_cache
def time_mentions(text: str) -> tuple[tuple[str, str], ...]:
    """Time expressions in text order: (the words as written, the atom compared).

    "early on Tuesday (Sept 12)" gives ("early on Tuesday", "tuesday") and ("Sept 12", "sept 12").
    """
    out = []
    for m in _DATE.finditer(text):
        expr = re.sub(r"\s+", " ", normalise(m.group()).rstrip("."))
        if expr == "may" and not re.match(r"May\s+\d", text[m.start() : m.end() + 4]):
            continue  # the modal verb, not the month
        if expr in _SHORT_MONTHS and not m.group()[0].isupper():
            continue
        expr = re.sub(r"^(?:early|late) (?:on )?", "", expr)
        out.append((" ".join(m.group().rstrip(".").split()), expr))
    return tuple(out)


def time_expressions(text: str) -> set[str]:
    """Time expressions as atoms: "early on Tuesday (Sept 12)" gives {"tuesday", "sept 12"}."""
    return {atom for _, atom in time_mentions(text)}


# the word-start test after the capital, so that re can skip ahead to the next capital
_NAME = re.compile(r"[A-Z](?<=\b[A-Z])[\w'’.-]*(?:\s+(?:of\s+|de\s+|al-)?[A-Z][\w'’.-]*)*")


@sentence_cache
def name_mentions(text: str) -> tuple[tuple[str, str], ...]:
    """Capitalised word sequences in text order: (the words as written, the lower-cased key).

    Sentence-initial function words, months and weekdays are left out ("The Kremlin" gives
    ("Kremlin", "kremlin")); a possessive is dropped ("North Korea’s" gives "North Korea").
    """
    out: list[tuple[str, str]] = []
    seen = set()
    for m in _NAME.finditer(text):
        words = [re.sub(r"['’](?:s|d|m|ll|ve|re)$", "", w).strip(".'’") for w in m.group().split()]
        words = [w for w in words if w and normalise(w) not in STOPWORDS]
        words = [w for w in words if normalise(w) not in MONTHS and normalise(w) not in WEEKDAYS]
        if not words:
            continue
        phrase = normalise(" ".join(words)).replace("'s", "").replace("’s", "")
        if len(phrase) >= 2 and phrase != "unk" and phrase not in seen:  # UNK: model summaries' unknown word
            seen.add(phrase)
            out.append((" ".join(words), phrase))
    return tuple(out)


def name_phrases(text: str) -> set[str]:
    """Capitalised word sequences, lower-cased, minus sentence-initial function words and time words."""
    return {key for _, key in name_mentions(text)}


def is_cased(text: str) -> bool:
    """Does the text use capitals at all? (Model summaries and some archives are lower-cased.)"""
    letters = [c for c in text.replace("UNK", "") if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) / len(letters) > 0.01


def name_mentions_any_case(
    text: str, known_names: set[str], rare_level: float = 3.0, cased: bool | None = None
) -> Sequence[tuple[str, str]]:
    """Names in a text that may be lower-cased, in text order: (as written, key).

    With no capitals to go by, a word counts as a name when the other text capitalises it, or when
    it is rare in English (surnames, places, organisations mostly are). `cased` says whether the
    document uses capitals (a sentence alone can be too short to tell); by default the text decides.
    """
    from newstrace.lexical import rarity, tokens

    if is_cased(text) if cased is None else cased:
        return name_mentions(text)
    out: list[tuple[str, str]] = []
    for t in tokens(text):
        if t in STOPWORDS or len(t) < 3 or t.isdigit() or t == "unk" or (t, t) in out:
            continue
        if t in known_names or rarity(t) >= rare_level:
            out.append((t, t))
    return out


def names_any_case(text: str, known_names: set[str], rare_level: float = 3.0, cased: bool | None = None) -> set[str]:
    """The keys of `name_mentions_any_case`."""
    return {key for _, key in name_mentions_any_case(text, known_names, rare_level, cased)}


def _name_parts(phrase: str) -> list[str]:
    return [t for t in re.split(r"[\s'-]+", phrase.replace(".", "")) if len(t) > 1]


def name_tokens(phrases: set[str]) -> set[str]:
    return {t for p in phrases for t in _name_parts(p)}


def name_supported(phrase: str, other_tokens: set[str]) -> bool:
    """A name counts as present when any of its words is ("Kim" and "Kim Jong Un", "U.S." and "US").

    A plural counts as its singular ("X-rays" and "X-ray"); a phrase with no word of two letters or
    more ("I'd") is no name to look for.
    """
    parts = _name_parts(phrase)
    if not parts:
        return True
    return any(t in other_tokens or t.removesuffix("s") in other_tokens or t + "s" in other_tokens for t in parts)


def _common_word(phrase: str, sentence: str) -> bool:
    """A capitalised common word at the start of a sentence ("Notably", "Despite") is no name."""
    words = phrase.split()
    return len(words) == 1 and normalise(sentence.lstrip("“\"' ")).startswith(words[0]) and rarity(words[0]) < 3.0


def _new_names(ctx: Context, text: str) -> list[str]:
    return [
        surface
        for surface, key in name_mentions_any_case(text, ctx.source_name_tokens_only, cased=ctx.suspect_cased)
        if not name_supported(key, ctx.source_name_tokens) and not _common_word(key, text)
    ]


def new_facts(ctx: Context, text: str) -> dict[str, str]:
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


def facts_sentence(facts: dict[str, str]) -> str:
    """ " The source never mentions the name “X” and the figure “3”." for what `new_facts` found."""
    parts = []
    for key, noun in (("new_names", "name"), ("new_figures", "figure"), ("new_times", "time")):
        if key in facts:
            items = facts[key].split(", ")
            parts.append(f"the {noun}{'s' if len(items) > 1 else ''} {w.quoted(items)}")
    return f" The source never mentions {w.listing(parts)}." if parts else ""


def _numbers(ctx: Context, src_text: str, sus_text: str) -> tuple[list[str], list[str]]:
    """Figures of the source sentence the rewrite lost, and figures it brought that the source lacks."""
    ns, nt = number_values(src_text), number_values(sus_text)
    missing = w.ordered_unique([s for s, values in number_mentions(src_text) if not values & nt])
    new = w.ordered_unique(
        [s for s, values in number_mentions(sus_text) if not values & ns and not values & ctx.source_numbers]
    )
    return missing, new


def fact_findings(ctx: Context, i: int, js: list[int]) -> list[Finding]:
    """Figures, times and names that differ between suspect sentence i and its source sentences js."""
    src_text, sus_text = ctx.src_text(js), ctx.suspect.segments[i].text
    span_s = ctx.src_span(js)
    out = []

    def add(finding_type: str, detail: str, severity: str, **extra: str) -> None:
        out.append(ctx.pair_finding(i, js, finding_type, detail, severity, **extra))

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
            kind="name",
        )
    return out
