"""Which of two related texts came first.

Publication dates decide when both texts carry one and they differ (basis `dates`). Otherwise
the text decides (basis `evidence`), by a model learned on DEV pairs whose direction is known
(`scripts/fit_calibration.py`). Its evidence is sign-symmetric: each feature is a property of
the first text minus the same property of the second, and the model is made antisymmetric, so
swapping the texts flips the answer exactly. The properties are what a derivation leaves
behind: the source's aligned sentences hold figures, names and rare words that the rewrite
dropped (information flows from the source); agency credits sit on the original (content farms
strip them); rewriters and simplifiers change the register (word rarity, sentence length,
machine-rewriting vocabulary, quotes turned into reported speech). When the evidence is weak the answer is
`source_first: None` (basis `none`): the model's probability is calibrated on the fit half, and
an abstention is better than a coin toss presented as a finding.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from statistics import fmean

import numpy as np

from newstrace.align import Alignment
from newstrace.attribution import find_credits
from newstrace.lexical import STOPWORDS, names, numbers, rarity
from newstrace.prepared import PreparedText
from newstrace.textio import Document
from newstrace.trees import TreeEnsemble

#: A decided date direction: wrong only when a date is wrong (a correction republished later).
DATE_CONFIDENCE = 0.99

# Words that machine rewriters (and press-release prose) reach for far more than reporters do.
_REWRITER_WORDS = frozenset(
    """
    additionally amid amidst bolster bolstering commendable comprehensive crucial delve delves
    emphasize emphasized emphasizes emphasizing emphasise emphasised emphasising ensure ensuring
    furthermore garner garnered heightened highlight highlighted highlighting highlights however
    intricate landscape meanwhile moreover notable notably noteworthy paramount pivotal poised
    realm robust significant significantly showcase showcasing spotlight subsequently
    testament therefore thus underscore underscored underscores underscoring unprecedented
    utilize utilized vital
    """.split()  # noqa: SIM905 (a word list reads better as text)
)
_QUOTE = re.compile('["“”«»]')
_CONTRACTION = re.compile(r"\b\w+(?:n['’]t|['’](?:re|ve|ll|d|m))\b", re.IGNORECASE)  # not 's: possessives
_FIRST_PERSON = frozenset(["i", "me", "my", "mine", "we", "our", "ours", "us", "im"])
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")

# Containment (which side is covered more) is left out on purpose: it points both ways. A summary or
# a condensing rewrite is covered by its source; an LLM that expands, or a passage lifted into a
# longer text, leaves the copy less covered than the source. On the fit half it added nothing to
# the other features (out-of-fold accuracy equal within 0.005 on every dataset); it stays in the
# symmetric context, where it tells those regimes apart.
DIRECTION_FEATURES = (
    "aligned_chars_log",
    "chars_log",
    "extra_figures",
    "extra_names",
    "extra_rare",
    "novel_rare",
    "inclusion",
    "rarity_mean",
    "sentence_words",
    "word_chars",
    "quotes",
    "credit",
    "rewriter_words",
    "stopword_share",
    "lower_starts",
    "contractions",
    "figures",
    "sentence_spread",
    "first_person",
)
#: Symmetric context (the same whichever text is named first): what kind of pair this is. The
#: same evidence points different ways in different regimes (a passage lifted into a longer
#: document is *not* covered by its source; a summary or simplification is), so the model may
#: condition on these, but they cannot favour either side.
CONTEXT_FEATURES = ("coverage_min", "coverage_max", "chars_min", "chars_max")


@dataclass(frozen=True)
class Direction:
    source_first: bool | None
    confidence: float  # probability that the stated direction is right; 0.5 when undecided
    basis: str  # dates | evidence (the text) | none

    def to_json(self) -> dict:
        return {"source_first": self.source_first, "confidence": round(self.confidence, 4), "basis": self.basis}


@dataclass(frozen=True)
class DirectionModel:
    """Boosted trees over (evidence, context), made antisymmetric, then Platt-scaled.

    The trees were fitted on each known pair both ways round (evidence negated, context kept);
    the score is half the difference between the pair as given and the pair swapped, so swapping
    the texts negates it exactly, and `platt` turns it into a probability calibrated on
    out-of-fold predictions of the fit half. A credit prior is added (see `credit_log_odds`).
    """

    trees: TreeEnsemble  # features: DIRECTION_FEATURES then CONTEXT_FEATURES
    platt: float
    abstain_below: float  # decide only when the calibrated confidence reaches this
    credit_log_odds: float  # a stated prior: an agency credit on one side only marks the original

    def probability(self, values: dict[str, float]) -> float:
        """P(the first text is the earlier one)."""
        evidence = [values[f] for f in DIRECTION_FEATURES]
        context = [values[f] for f in CONTEXT_FEATURES]
        given = self.trees.raw_vector(evidence + context)
        swapped = self.trees.raw_vector([-v for v in evidence] + context)
        z = self.platt * (given - swapped) / 2 + self.credit_log_odds * values["credit"]
        return 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z))))

    @classmethod
    def from_json(cls, raw: dict) -> DirectionModel:
        expected = [*DIRECTION_FEATURES, *CONTEXT_FEATURES]
        if raw["trees"]["features"] != expected:
            raise ValueError("direction model features differ from this version's; refit the calibration")
        return cls(
            TreeEnsemble.from_json(raw["trees"]),
            float(raw["platt"]),
            float(raw["abstain_below"]),
            float(raw["credit_log_odds"]),
        )


def _partners(alignments: list[Alignment], side: str) -> dict[int, set[int]]:
    out: dict[int, set[int]] = {}
    for a in alignments:
        mine, theirs = (a.source_index, a.suspect_index) if side == "source" else (a.suspect_index, a.source_index)
        out.setdefault(mine, set()).add(theirs)
    return out


def _words(prep: PreparedText) -> list[str]:
    return [t for toks in prep.token_lists for t in toks if not t.isdigit()]


def _word_set(prep: PreparedText) -> set[str]:
    return set(prep.once(_words))


def _rare_set(prep: PreparedText) -> set[str]:
    return {w for w in prep.once(_words) if rarity(w) >= 2.5}


def _style(this: PreparedText) -> dict[str, float]:
    """The properties of a text that do not depend on the other one: computed once per text."""
    words = this.once(_words)
    body = this.document.body
    credited = bool(find_credits(this.document.text, this.document.body_start)) or bool(this.document.dateline_agency)
    starts = [s.text.lstrip("\"“'‘([ ")[:1] for s in this.segments]
    per_sentence = [len(t) for t in this.token_lists]
    spread = float(np.std(per_sentence) / max(np.mean(per_sentence), 1.0)) if len(per_sentence) > 1 else 0.0
    chars = max(len(body), 1)
    return {
        "rarity_mean": fmean(rarity(w) for w in words) if words else 0.0,
        "sentence_words": len(words) / len(this.segments) if this.segments else 0.0,
        "word_chars": fmean(len(w) for w in words) if words else 0.0,
        "quotes": 1000.0 * len(_QUOTE.findall(body)) / max(len(body), 1),
        "credit": float(credited),
        "rewriter_words": 1000.0 * sum(w in _REWRITER_WORDS for w in words) / max(len(words), 1),
        "stopword_share": sum(w in STOPWORDS for w in words) / max(len(words), 1),
        "lower_starts": fmean(c.islower() for c in starts if c) if any(starts) else 0.0,
        "contractions": 1000.0 * len(_CONTRACTION.findall(body)) / max(len(words), 1),
        "figures": 1000.0 * sum(ch.isdigit() for ch in body) / chars,
        "sentence_spread": spread,
        "first_person": 1000.0 * sum(w in _FIRST_PERSON for w in words) / max(len(words), 1),
    }


def side_profile(this: PreparedText, other: PreparedText, partners: dict[int, set[int]]) -> dict[str, float]:
    """The properties of one text that `direction_features` sets against the other's."""
    lengths = this.lengths
    total = float(lengths.sum())
    aligned_chars = float(sum(lengths[i] for i in partners))
    figures, found_names, rare, inclusion = [], [], [], []
    for i, theirs in partners.items():
        mine_text = this.segments[i].text
        their_text = " ".join(other.segments[j].text for j in sorted(theirs))
        their_tokens = {t for j in theirs for t in other.token_lists[j]}
        figures.append(len(numbers(mine_text) - numbers(their_text)))
        found_names.append(len(names(mine_text) - names(their_text)))
        mine_rare = {t for t in this.token_lists[i] if rarity(t) >= 2.5 and not t.isdigit()}
        rare.append(len(mine_rare - their_tokens))
        content = this.content_sets[i]
        their_content = set().union(*(other.content_sets[j] for j in theirs))
        inclusion.append(len(content & their_content) / len(content) if content else 0.0)
    rare_words = this.once(_rare_set)
    return {
        "coverage": aligned_chars / total if total > 0 else 0.0,
        "aligned_chars_log": math.log1p(aligned_chars),
        "chars_log": math.log1p(total),
        "extra_figures": fmean(figures) if figures else 0.0,
        "extra_names": fmean(found_names) if found_names else 0.0,
        "extra_rare": fmean(rare) if rare else 0.0,
        "novel_rare": len(rare_words - other.once(_word_set)) / len(rare_words) if rare_words else 0.0,
        "inclusion": fmean(inclusion) if inclusion else 0.0,
        **this.once(_style),
    }


def direction_features(source: PreparedText, suspect: PreparedText, alignments: list[Alignment]) -> dict[str, float]:
    """Sign-symmetric evidence: property(source) - property(suspect), so a swap negates it."""
    a = side_profile(source, suspect, _partners(alignments, "source"))
    b = side_profile(suspect, source, _partners(alignments, "suspect"))
    out = {name: a[name] - b[name] for name in DIRECTION_FEATURES}
    for name, key in (("coverage", "coverage"), ("chars", "chars_log")):
        out[f"{name}_min"], out[f"{name}_max"] = min(a[key], b[key]), max(a[key], b[key])
    return out


def estimate_direction(
    source: PreparedText,
    suspect: PreparedText,
    alignments: list[Alignment],
    model: DirectionModel,
    related: bool = True,
    use_dates: bool = True,
) -> Direction:
    """`source_first` is True when the text given as source is the earlier one.

    `use_dates=False` decides on the text alone (how `newstrace eval` measures the text evidence).
    """
    if not related:
        return Direction(None, 0.5, "none")
    by_dates = date_direction(source.document, suspect.document) if use_dates else None
    if by_dates is not None:
        return by_dates
    return text_direction(model.probability(direction_features(source, suspect, alignments)), model)


def date_direction(source: Document, suspect: Document) -> Direction | None:
    """The answer of the publication dates, when both are known and differ (same day: None)."""
    first, second = source.published, suspect.published
    if first and second and first != second:
        return Direction(first < second, DATE_CONFIDENCE, "dates")
    return None


def text_direction(p: float, model: DirectionModel) -> Direction:
    """The text evidence's answer for P(source first) = p: decided, or undecided when weak.

    An undecided answer keeps the confidence of the likelier order, so a reader sees how close
    it came to the threshold.
    """
    confidence = max(p, 1.0 - p)
    if confidence < model.abstain_below:
        return Direction(None, confidence, "none")
    return Direction(p > 0.5, confidence, "evidence")
