"""The perturbation generator behind the model's training data and its report-half evaluation.

Each perturbation is applied to real sentences of the seed source (a Reuters story): when it
applies it must change exactly the fact it names and keep the rest of the sentence; the pairs it
builds from a real DEV sample must be seeded (the same every run) and labelled by type.
"""

from __future__ import annotations

import random
import re

import pytest

from newstrace.evaluation.perturbations import (
    NUMBER_WORDS,
    change_date,
    change_number,
    drop_clause,
    flip_negation,
    make_news,
    names,
    score_perturbations,
    swap_entity,
    swap_speaker,
)
from newstrace.segment import split_sentences
from tests.conftest import EXAMPLES, sample_dataset

SEED = [s.text.strip() for s in split_sentences((EXAMPLES / "seed_source.txt").read_text(encoding="utf-8"))]


def sentence(start: str) -> str:
    return next(s for s in SEED if s.startswith(start))


def changed_words(a: str, b: str) -> set[str]:
    return set(re.findall(r"\w+", a)) ^ set(re.findall(r"\w+", b))


def test_a_changed_number_changes_only_a_number():
    s = sentence("Mr Kim does not travel abroad frequently")
    new = change_number(s, random.Random(1))
    assert new and new != s
    assert all(w.isdigit() or w.lower() in NUMBER_WORDS for w in changed_words(s, new))


def test_a_changed_date_swaps_a_weekday_for_another():
    s = sentence("Mr Kim left Pyongyang")
    new = change_date(s, random.Random(2))
    assert new and new != s
    days = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}
    assert changed_words(s, new) <= days


def test_negation_is_removed_from_a_negated_sentence_and_added_to_a_plain_one():
    negated = sentence("Mr Kim does not travel abroad frequently")
    assert "not" not in flip_negation(negated, random.Random(3)).split()
    plain = sentence("Mr Kim left Pyongyang")
    assert changed_words(plain, flip_negation(plain, random.Random(3))) & {"not", "did", "cannot"}


def test_swapped_names_and_speakers_come_from_the_pool_and_not_from_the_window():
    s = sentence('"It will be a full-fledged visit," Kremlin spokesman Dmitry Peskov said.')
    pool = ["Antony Blinken", "Emmanuel Macron"]
    speaker = swap_speaker(s, s, pool, random.Random(4))
    assert speaker and "Peskov" not in speaker and any(p in speaker for p in pool)
    entity = swap_entity(sentence("Mr Kim left Pyongyang"), "", pool, random.Random(4))
    assert entity and any(p in entity for p in pool)
    assert "Pyongyang" in names(sentence("Mr Kim left Pyongyang"))


def test_a_dropped_clause_leaves_a_shorter_sentence_of_the_same_words():
    s = sentence("A Russian source with knowledge of the trip")
    dropped = drop_clause(s, random.Random(5))
    assert dropped and len(dropped) < len(s)
    assert set(re.findall(r"\w+", dropped)) <= set(re.findall(r"\w+", s))


@pytest.fixture(scope="module")
def sample_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("perturb")
    sample_dataset("llmfake", root, 16)
    sample_dataset("ecbplus", root, 12)
    return root


def test_pairs_made_from_real_articles_are_seeded_and_typed(sample_root):
    folders = [sample_root / "llmfake", sample_root / "ecbplus"]
    first = make_news(folders, random.Random(7), 60, lambda _: None, "static", split="all")
    again = make_news(folders, random.Random(7), 60, lambda _: None, "static", split="all")
    assert first == again and len(first) > 60
    types = {r["type"] for r in first}
    assert {"verbatim", "paraphrase", "negation", "wrong-window"} <= types | {"clause-dropped"}
    for r in first:
        assert r["label"] == (r["type"] in {"verbatim", "paraphrase", "clause-dropped"})
        if r["type"] in {"entity-swap", "number-change", "date-change", "negation", "speaker-swap"}:
            assert r["statement"] not in r["premise"]


def test_the_model_alone_separates_perturbed_from_supported_statements(sample_root):
    figures = score_perturbations([sample_root / "llmfake", sample_root / "ecbplus"], "all", anchors=80)
    assert figures is not None and figures["n"] > 80
    assert figures["auc"] >= 0.85, figures
    for kind, row in figures["types"].items():
        assert row["n"] >= 1 and 0.0 <= row["accuracy"] <= 1.0, kind
    assert score_perturbations([sample_root / "nothing-here"], "all") is None
