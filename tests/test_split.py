"""The fit/report split: every document of every real DEV dataset sits in exactly one half."""

from __future__ import annotations

import pytest

from newstrace.evaluation.datasets import find_datasets, load_dataset

from .conftest import DATA


def _documents(ds) -> set[str]:
    return {i for r in ds.pairs + ds.changes for i in (r["source_id"], r["suspect_id"])}


@pytest.mark.parametrize("folder", find_datasets(DATA), ids=lambda p: p.name)
def test_no_document_on_both_sides(folder):
    fit, report = load_dataset(folder, "fit"), load_dataset(folder, "report")
    assert not _documents(fit) & _documents(report)
    assert not {r["id"] for r in fit.sentence_pairs} & {r["id"] for r in report.sentence_pairs}
    everything = load_dataset(folder, "all")
    kept = len(fit.pairs) + len(report.pairs)
    # a non-derived pair may fall between the halves and is dropped; derived pairs never are
    assert kept >= 0.85 * len(everything.pairs)
    derived = sum(p["derived"] for p in everything.pairs)
    assert sum(p["derived"] for p in fit.pairs + report.pairs) == derived
    if len(everything.pairs) > 200:  # both halves hold a real share of a large dataset
        assert min(len(fit.pairs), len(report.pairs)) >= 0.25 * len(everything.pairs)
