"""Sentence segmentation that keeps character offsets into the original text.

pysbd does the sentence boundary work (abbreviations such as "U.S.", lowercased text with no
capital after a full stop). We only add what it lacks for our use: offsets that are exact even
when a sentence repeats, a paragraph split first (titles and bylines are their own lines), and a
cut of run-on segments into word windows, because the embedding model truncates at 256 tokens.

pysbd's own `char_span=True` was measured against this (2026-12-01, 2,150 DEV documents): it is
~25% faster but its spans overlap the previous sentence on 3 of 300 PAN13 documents (runs of
". . ."), which would break the offsets every finding and alignment rests on; so the offsets are
found here, searching forward from the end of the previous sentence.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache

import pysbd
from pysbd.abbreviation_replacer import AbbreviationReplacer
from pysbd.processor import Processor
from pysbd.utils import TextSpan

_PARAGRAPH = re.compile(r"[^\n]+")
_WORD = re.compile(r"\S+")
_CLAUSE_CUT = re.compile(r"[;:]\s|\s[—–]\s")
# where an over-long paragraph may be cut before pysbd sees it: a full stop (or ! ?) after a
# lower-case word and before a capital (checked in `_is_sentence_end`), or a CJK / Arabic mark
_HARD_END = re.compile(r"[.!?]\s+(?=\w)|[。！？؟]\s*")
_LAST_SPACE = re.compile(r"\s+(?=\S*$)")
# a piece of a cut paragraph without any of these is not given to pysbd (which would only split
# it at list markers such as "1)"): the case of a megabyte line with no sentence in it
_SENTENCE_MARK = re.compile(r"[.!?。！？؟…]")
_LETTER = re.compile(r"[^\W\d_]")
# pysbd's rule set for a paragraph mostly in one of these scripts; anything else is read as English
_SCRIPTS = (
    ("zh", re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")),
    ("ar", re.compile(r"[\u0600-\u06ff]")),
    ("ru", re.compile(r"[\u0400-\u04ff]")),
    ("el", re.compile(r"[\u0370-\u03ff]")),
    ("hi", re.compile(r"[\u0900-\u097f]")),
    ("hy", re.compile(r"[\u0530-\u058f]")),
)
_KANA = re.compile(r"[\u3040-\u30ff]")
#: pysbd's time grows with the square of the text it is given (measured 2026-12: 2,000 characters
#: 6 ms, 10,000 67 ms, 100,000 4.4 s), so a 1 MB line took minutes. A paragraph over the limit
#: (`CompareOptions.max_paragraph_chars`) is given to it in pieces of about this many characters.
PIECE_CHARS = 2_000

@dataclass(frozen=True, slots=True)
class Segment:
    """A sentence (or a window of a run-on sentence) as a span of its document's text."""

    start: int
    end: int
    text: str


class TooManySentences(ValueError):
    """The text has more sentences than the limit it was split under."""


_PER_THREAD = threading.local()
_TRAILING_SPACE = re.compile(r"\s*")


class _Segmenter(pysbd.Segmenter):
    """pysbd's Segmenter with its sentence-span lookup done by `str.find` instead of a regex.

    pysbd finds each sentence back in its input with `re.finditer(re.escape(sentence) + "\\s*")`:
    one new pattern per sentence, which churned Python's 512-pattern regex cache, so pysbd's own
    abbreviation patterns were compiled again and again (measured 2026-12: compiling was 60% of
    segmentation time on a 300 KB text). The same spans, found literally: the first occurrence,
    scanning left to right without overlaps as `finditer` does, whose end (with the whitespace
    after it) lies past the previous sentence's.
    """

    def processor(self, text):
        if hasattr(self.language_module, "Processor"):  # a language's own processor is left as it is
            return super().processor(text)
        return _Processor(text, self.language_module, char_span=self.char_span)

    def sentences_with_char_spans(self, sentences):
        text = self.original_text
        spans = []
        prior_end = 0
        for sent in sentences:
            pos = text.find(sent)
            while pos >= 0:
                end = _TRAILING_SPACE.match(text, pos + len(sent)).end()
                if end == pos:  # an empty sentence matches empty strings; finditer steps on by one
                    if end > prior_end:
                        spans.append(TextSpan("", pos, end))
                        prior_end = end
                        break
                    pos = text.find(sent, end + 1) if end < len(text) else -1
                    continue
                if end > prior_end:
                    spans.append(TextSpan(text[pos:end], pos, end))
                    prior_end = end
                    break
                pos = text.find(sent, end)
        return spans


@lru_cache(maxsize=4096)
def _pattern(pattern: str, flags: int = 0) -> re.Pattern:
    """pysbd's per-abbreviation patterns, compiled once (they overflow Python's 512-pattern cache)."""
    return re.compile(pattern, flags)


_WHITESPACE = re.compile(r"\s")
_PLAIN_ABBREVIATION = re.compile(r"[a-z]+")
#: the characters that re.IGNORECASE matches to an ASCII letter and str.lower() does not turn into it
_FOLDS_TO_ASCII = re.compile("[\u0130\u0131\u017f]")


class _AbbreviationsOnce:
    """pysbd 0.3.4's abbreviation pass, with each distinct replacement made once per line.

    pysbd finds every word that starts like one of its ~200 abbreviations ("p", "v", "co", "no",
    "is", ...) and, for each such word, runs a substitution over the whole line: the same
    substitution again for every word that starts with "p". A substitution depends only on the
    abbreviation as written and on whether the next word is capitalised, and it is idempotent (it
    turns the periods it matches into pysbd's marker, after which they no longer match), so
    running each distinct one once, at its first occurrence and in pysbd's order, gives the same
    text (a test checks it against stock pysbd on real articles). Measured 2026-12: this pass was
    55% of sentence splitting.
    """

    def search_for_abbreviations_in_string(self, text):
        lowered = text.lower()
        # pysbd's pattern wants the abbreviation at a word start; for one of plain letters that is a
        # substring test on the spaced, lower-cased line (half of the lines' abbreviations occur only
        # inside words: "ave" in "have"). Replacements turn "." into a marker, so the line's letters
        # and spaces, and this test, stay valid. Three letters match ASCII ones under IGNORECASE
        # without lower-casing to them; a line holding one takes pysbd's own test.
        spaced = None if _FOLDS_TO_ASCII.search(text) else " " + _WHITESPACE.sub(" ", lowered)
        for abbr in self.lang.Abbreviation.ABBREVIATIONS:
            stripped = abbr.strip()
            if stripped not in lowered:
                continue
            if spaced is not None and _PLAIN_ABBREVIATION.fullmatch(stripped) and " " + stripped not in spaced:
                continue
            abbrev_match = _pattern(rf"(?:^|\s|\r|\n){stripped}", re.IGNORECASE).findall(text)
            if not abbrev_match:
                continue
            # pysbd's look-behind here reads "{abbr} " literally (the braces are no quantifier)
            char_array = _pattern(r"(?<={" + str(re.escape(stripped)) + "} ).{1}").findall(text) if "{" in text else []
            done: set[tuple[str, bool]] = set()
            for ind, match in enumerate(abbrev_match):
                char = char_array[ind] if ind < len(char_array) else ""
                key = (match.strip(), str(char).isupper())
                if key not in done:
                    done.add(key)
                    text = self.scan_for_replacements(text, match, ind, char_array)
        return text

    def replace_period_of_abbr(self, txt, abbr):
        pattern = rf"(?<=\s{re.escape(abbr.strip())})\.(?=((\.|\:|-|\?|,)|(\s([a-z]|I\s|I'm|I'll|\d|\())))"
        return _pattern(pattern).sub("∯", " " + txt)[1:]


_FAST_REPLACERS: dict[type, type] = {}


def _fast_replacer(base: type) -> type:
    """`base` (a language's AbbreviationReplacer) with the pass above, where it keeps pysbd's own."""
    if base not in _FAST_REPLACERS:
        stock = all(
            getattr(base, name) is getattr(AbbreviationReplacer, name)
            for name in ("search_for_abbreviations_in_string", "scan_for_replacements", "replace_period_of_abbr")
        )
        _FAST_REPLACERS[base] = type(f"Fast{base.__name__}", (_AbbreviationsOnce, base), {}) if stock else base
    return _FAST_REPLACERS[base]


class _Processor(Processor):
    def abbreviations_replacer(self):
        return _fast_replacer(getattr(self.lang, "AbbreviationReplacer", AbbreviationReplacer))(self.text, self.lang)


def _segmenter(language: str = "en") -> pysbd.Segmenter:
    """pysbd's segmenter for `language`, one per thread and language.

    A Segmenter keeps the text it is splitting on itself, so two threads sharing one corrupt each
    other's sentences (trace splits the article in a second thread while it splits the candidates).
    """
    cache = _PER_THREAD.__dict__.setdefault("segmenters", {})
    if language not in cache:
        cache[language] = _Segmenter(language=language, clean=False)
    return cache[language]


def language_of(paragraph: str) -> str:
    """pysbd's language code for the script most of `paragraph`'s letters are written in ("en" else)."""
    if paragraph.isascii():
        return "en"
    head = paragraph[:2000]
    letters = len(_LETTER.findall(head))
    if not letters:
        return "en"
    if len(_KANA.findall(head)) > 0.1 * letters:
        return "ja"
    for language, script in _SCRIPTS:
        if len(script.findall(head)) > 0.5 * letters:
            return language
    return "en"


def split_sentences(
    text: str,
    start: int = 0,
    max_words: int = 60,
    max_paragraph_chars: int = 80_000,
    max_sentences: int | None = None,
) -> list[Segment]:
    """Sentences of `text[start:]`, each with offsets into `text`, none longer than `max_words`.

    A paragraph longer than `max_paragraph_chars` is cut into pieces of about `PIECE_CHARS` first
    (at a sentence end where there is one), so the work stays linear in the text. Shorter
    paragraphs are split whole: a cut can land inside a quotation, where pysbd would not split,
    so it would change the sentences of an ordinary article. Raises `TooManySentences` as soon as
    there are more than `max_sentences`.
    """
    segments: list[Segment] = []
    for para in _PARAGRAPH.finditer(text, start):
        if not para.group().strip():
            continue
        language = language_of(para.group())
        cut = para.end() - para.start() > max_paragraph_chars
        pieces = _pieces(text, para.start(), para.end(), PIECE_CHARS) if cut else [(para.start(), para.end())]
        for lo, hi in pieces:
            _split_piece(text, lo, hi, max_words, language, segments, skip_unmarked=cut)
            if max_sentences is not None and len(segments) > max_sentences:
                raise TooManySentences(f"more than {max_sentences:,} sentences")
    return segments


def _split_piece(
    text: str, lo: int, hi: int, max_words: int, language: str, segments: list[Segment], skip_unmarked: bool
) -> None:
    """Append the sentences of `text[lo:hi]`; `skip_unmarked`: a piece with no sentence mark is one."""
    piece = text[lo:hi]
    cursor = lo
    unmarked = skip_unmarked and not _SENTENCE_MARK.search(piece)
    found_pieces = [piece] if unmarked else _segmenter(language).segment(piece)
    for sentence in found_pieces:
        stripped = sentence.strip()
        if not stripped:
            continue
        found = text.find(stripped, cursor, hi)
        if found < 0:  # pysbd changed the text; fall back to the rest of the piece
            found = cursor
            stripped = text[cursor:hi].strip()
            if not stripped:
                break
        end = found + len(stripped)
        segments.extend(_windows(text, found, end, max_words))
        cursor = end


def _pieces(text: str, start: int, end: int, limit: int) -> list[tuple[int, int]]:
    """Spans of at most `limit` characters covering `text[start:end]`, cut where a sentence ends.

    Each cut is the last sentence end in the second half of the span's window, else its last
    space, else the window's end.
    """
    out = []
    while end - start > limit:
        lo, hi = start + limit // 2, start + limit
        cut = next((m.end() for m in reversed(list(_HARD_END.finditer(text, lo, hi))) if _is_sentence_end(text, m)), 0)
        if not cut:
            space = _LAST_SPACE.search(text, lo, hi)
            cut = space.end() if space else hi
        out.append((start, cut))
        start = cut
    out.append((start, end))
    return out


def _is_sentence_end(text: str, mark: re.Match) -> bool:
    """A CJK or Arabic mark, or a full stop after a lower-case word of 3+ letters and before a capital."""
    if text[mark.start()] not in ".!?":
        return True
    before, after = text[max(0, mark.start() - 3) : mark.start()], text[mark.end() : mark.end() + 1]
    return len(before) == 3 and before.isalpha() and before.islower() and after.isupper()


def _windows(text: str, start: int, end: int, max_words: int) -> list[Segment]:
    """Cut a run-on span at clause marks, then into word windows, so no piece exceeds max_words."""
    words = list(_WORD.finditer(text, start, end))
    if len(words) <= max_words:
        return [Segment(start, end, text[start:end])]
    # prefer clause boundaries near the middle
    cuts = [m.end() for m in _CLAUSE_CUT.finditer(text, start, end)]
    mid = start + (end - start) // 2
    if cuts:
        cut = min(cuts, key=lambda c: abs(c - mid))
        left_words = sum(1 for w in words if w.end() <= cut)
        if max_words // 4 <= left_words <= len(words) - max_words // 4:
            left_end = cut
            while left_end > start and text[left_end - 1].isspace():
                left_end -= 1
            return _windows(text, start, left_end, max_words) + _windows(text, cut, end, max_words)
    n_pieces = -(-len(words) // max_words)
    per = -(-len(words) // n_pieces)
    out = []
    for i in range(0, len(words), per):
        chunk = words[i : i + per]
        out.append(Segment(chunk[0].start(), chunk[-1].end(), text[chunk[0].start() : chunk[-1].end()]))
    return out
