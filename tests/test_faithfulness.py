"""The shipped faithfulness model on real sentences: what it must tell apart, and its invariants.

No training and no torch: these load `newstrace/data/faithfulness/model.onnx` as a user gets it.
Sentences come from the seed pair (a Reuters story and a ChatGPT rewrite of it) and from ECB+
articles of the DEV *report* half, which the model was not trained on.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from newstrace.errors import ModelError
from newstrace.faithfulness import MODEL_ID, Faithfulness, faithfulness, token_ids
from newstrace.segment import split_sentences
from tests.conftest import DATA, EXAMPLES, read_jsonl_gz, report_half, stable_sample


def seed_sentences(name: str) -> list[str]:
    text = (EXAMPLES / name).read_text(encoding="utf-8")
    return [s.text.strip() for s in split_sentences(text)]


def find(sentences: list[str], start: str) -> int:
    return next(i for i, s in enumerate(sentences) if s.startswith(start))


@pytest.fixture(scope="module")
def model() -> Faithfulness:
    return faithfulness()


@pytest.fixture(scope="module")
def source() -> list[str]:
    return seed_sentences("seed_source.txt")


@pytest.fixture(scope="module")
def rewrite() -> list[str]:
    return seed_sentences("seed_rewrite.txt")


def window(sentences: list[str], i: int, before: int = 1, after: int = 1) -> str:
    return " ".join(sentences[max(0, i - before) : i + after + 1])


# (start of the first source sentence that holds the support, how many sentences from there hold
# it, start of the rewrite sentence, the rewrite with one fact broken)
CASES = [
    (
        "Mr Putin arrived in Vladivostok",
        2,
        "Putin arrived in Vladivostok",
        {
            "date": ("on Monday", "on Friday"),
            "name": ("Vladivostok", "Khabarovsk"),
            "negation": ("Putin arrived", "Putin did not arrive"),
        },
    ),
    (
        "Pyongyang and Moscow have denied",
        2,
        "Despite concerns raised by Washington",
        {
            "number": ("18-month", "30-month"),
            "name": ("both Pyongyang and Moscow", "both Pyongyang and Beijing"),
            "negation": ("have denied any plans", "have confirmed plans"),
        },
    ),
    pytest.param(
        (
            "Mr Kim does not travel abroad frequently",
            2,
            "It’s worth noting that Kim’s foreign travels",
            {
                "number": ("only seven trips", "only three trips"),
                "name": ("being to China", "being to Vietnam"),
                "negation": ("have been relatively infrequent", "have not been relatively infrequent"),
            },
        ),
        marks=pytest.mark.xfail(
            strict=True,
            reason="known weakness of the shipped model: 'have not been relatively infrequent' (a double"
            " negative of the source's 'does not travel abroad frequently') scores 0.47 against the"
            " faithful paraphrase's 0.36; strict, so a model that gets it right makes this fail",
        ),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=["putin-vladivostok", "denied-arms", "kim-travels"])
def test_paraphrase_scores_above_its_broken_versions(model, source, rewrite, case):
    src_start, n_support, rw_start, breaks = case
    i = find(source, src_start)
    premise = window(source, i, before=0, after=n_support - 1)
    paraphrase = rewrite[find(rewrite, rw_start)]
    # the model reads at most max_tokens word pieces, the premise cut first: a pair longer than that
    # would test the cut, not the judgement
    pieces = token_ids(model.tokenizer, [premise, paraphrase])
    assert sum(map(len, pieces)) + 3 <= model.max_tokens
    broken = {}
    for kind, (old, new) in breaks.items():
        assert old in paraphrase, (kind, old)
        broken[kind] = paraphrase.replace(old, new, 1)
    scores = model.support([premise] * (1 + len(broken)), [paraphrase, *broken.values()])
    faithful = scores[0]
    for (kind, _), score in zip(breaks.items(), scores[1:], strict=True):
        assert faithful > score, f"{kind}: paraphrase {faithful:.3f} vs broken {score:.3f}"


def ecb_report_sentences(n_docs: int = 12) -> list[tuple[str, str]]:
    """(window, middle sentence) from ECB+ report-half articles, sentences that hold a number."""
    pairs = report_half("ecbplus", read_jsonl_gz(DATA / "ecbplus" / "pairs.jsonl.gz"))
    ids = sorted({p["source_id"] for p in pairs})
    docs = {d["id"]: d["text"] for d in read_jsonl_gz(DATA / "ecbplus" / "documents.jsonl.gz")}
    out = []
    for doc_id in [r["id"] for r in stable_sample([{"id": i} for i in ids], n_docs, salt="faith")]:
        sents = [s.text.strip() for s in split_sentences(docs[doc_id]) if len(s.text.split()) >= 8]
        for k in range(1, len(sents) - 1):
            if re.search(r"\b\d+\b", sents[k]):
                out.append((window(sents, k), sents[k]))
                break
    return out


def test_verbatim_sentence_is_supported_by_its_window(model, source):
    premises, statements = [], []
    for start in ("Mr Putin arrived in Vladivostok", "Mr Kim left Pyongyang", "The US State Department said"):
        i = find(source, start)
        premises.append(window(source, i))
        statements.append(source[i])
    for w, s in ecb_report_sentences():
        premises.append(w)
        statements.append(s)
    scores = model.support(premises, statements)
    assert len(scores) >= 8
    assert (scores > 0.5).all(), np.round(scores, 3)


def test_changed_number_scores_below_the_verbatim_sentence(model):
    rows = ecb_report_sentences()
    changed = [re.sub(r"\b(\d+)\b", lambda m: str(int(m.group()) + 7), s, count=1) for _, s in rows]
    verbatim = model.support([w for w, _ in rows], [s for _, s in rows])
    broken = model.support([w for w, _ in rows], changed)
    # pre-set bar: nearly all of them, not a tuned count
    assert (verbatim > broken).mean() >= 0.9, (np.round(verbatim, 3), np.round(broken, 3))


def test_unrelated_sentence_is_not_supported(model, source, rewrite):
    premise = window(source, find(source, "Mr Putin arrived in Vladivostok"))
    unrelated = [
        rewrite[find(rewrite, "Michael Madden")],
        rewrite[find(rewrite, "State Department spokesperson Matthew Miller")],
        *(s for _, s in ecb_report_sentences()[:4]),
    ]
    scores = model.support([premise] * len(unrelated), unrelated)
    assert (scores < 0.5).all(), np.round(scores, 3)


def test_best_support_finds_the_window_that_holds_the_fact(model, source, rewrite):
    windows = [window(source, i, 0, 1) for i in range(0, len(source), 2)]
    statement = rewrite[find(rewrite, "Putin arrived in Vladivostok")]
    score, k = model.best_support(statement, windows)
    assert "Vladivostok" in windows[k]
    assert 0.0 <= score <= 1.0
    assert model.best_support(statement, []) == (0.0, -1)


def test_scores_are_deterministic_bounded_and_order_free(model, source, rewrite):
    premises = [window(source, i) for i in range(10)]
    statements = rewrite[:10]
    first = model.support(premises, statements)
    again = model.support(premises, statements)
    assert np.array_equal(first, again)
    assert first.dtype == np.float32 and ((first >= 0) & (first <= 1)).all()
    perm = np.random.default_rng(0).permutation(10)
    shuffled = model.support([premises[k] for k in perm], [statements[k] for k in perm])
    assert np.array_equal(shuffled, first[perm])
    assert model.support([], []).shape == (0,)


def test_mismatched_lengths_and_missing_model_are_errors(model, tmp_path):
    with pytest.raises(ValueError, match="differ in length"):
        model.support(["a"], ["a", "b"])
    with pytest.raises(ModelError, match="missing"):
        Faithfulness(model_dir=tmp_path)
    assert faithfulness() is model
    assert model.record["model_id"] == MODEL_ID
