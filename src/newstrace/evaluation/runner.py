"""`newstrace eval`: run the core on labelled datasets and score what it says.

Each document is prepared once per dataset (the model runs once per sentence), then every pair
is compared from the prepared forms, so an evaluation costs about one embedding pass per corpus.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from newstrace.compare import Comparison, compare_prepared
from newstrace.embed import encoder_named
from newstrace.errors import InputError
from newstrace.evaluation.changes import score_changes
from newstrace.evaluation.datasets import Dataset, find_datasets, load_dataset
from newstrace.evaluation.direction import score_direction
from newstrace.evaluation.metrics import classification, plagdet, roc_auc
from newstrace.evaluation.perturbations import EVAL_ANCHORS, score_perturbations
from newstrace.evaluation.retrieval import score_retrieval
from newstrace.options import CompareOptions, EvalOptions
from newstrace.paraphrase import paraphrase_probabilities
from newstrace.passages import reported_passages
from newstrace.prepared import PreparedText, prepare_many
from newstrace.textio import Document, parse_document

EVAL_SCHEMA = "newstrace.eval/1"
Progress = Callable[[str, int], None]  # (task label, units done since last call)


def prepare_documents(
    ds: Dataset, ids: Iterable[str], options: CompareOptions, progress: Progress | None = None, batch: int = 32
) -> dict[str, PreparedText]:
    wanted = sorted(set(ids))
    out: dict[str, PreparedText] = {}
    encoder = encoder_named(options.encoder)
    for lo in range(0, len(wanted), batch):
        chunk = wanted[lo : lo + batch]
        docs = [_parse_or_blank(ds.documents[i]) for i in chunk]
        for doc_id, prep in zip(chunk, prepare_many(docs, options, encoder), strict=True):
            out[doc_id] = prep
        if progress:
            progress(f"{ds.name}: preparing", len(chunk))
    return out


def _parse_or_blank(text: str) -> Document:
    """A dataset text newstrace cannot read (empty) is scored as an article with no sentences."""
    try:
        return parse_document(text)
    except InputError:
        return Document(text=text, body_start=len(text))


@dataclass
class PairOutcome:
    pair: dict
    comparison: Comparison


def compare_pairs(
    ds: Dataset,
    options: CompareOptions,
    progress: Progress | None = None,
    limit: int | None = None,
    prepared: dict[str, PreparedText] | None = None,
) -> Iterator[PairOutcome]:
    pairs = ds.pairs[:limit] if limit else ds.pairs
    if prepared is None:
        ids = (i for p in pairs for i in (p["source_id"], p["suspect_id"]))
        prepared = prepare_documents(ds, ids, options, progress)
    for p in pairs:
        comparison = compare_prepared(prepared[p["source_id"]], prepared[p["suspect_id"]], options, explain=False)
        yield PairOutcome(p, comparison)
        if progress:
            progress(f"{ds.name}: comparing", 1)


def _round(d: dict) -> dict:
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in d.items()}


def score_pairs(outcomes: list[PairOutcome], options: CompareOptions) -> dict:
    truth = [bool(o.pair["derived"]) for o in outcomes]
    probs = [o.comparison.probability for o in outcomes]
    pred = [o.comparison.derived for o in outcomes]
    result = _round({**classification(truth, pred), "auc": roc_auc(truth, probs)})
    by_kind: dict[str, list[PairOutcome]] = {}
    for o in outcomes:
        by_kind.setdefault(o.pair.get("kind", "?"), []).append(o)
    negatives = [o for o in outcomes if not o.pair["derived"]]
    kinds = {}
    for kind, group in sorted(by_kind.items()):
        t = [bool(o.pair["derived"]) for o in group]
        figures = classification(t, [o.comparison.derived for o in group])
        # a kind holds one class only; its AUC is taken against all negatives of the dataset
        if all(t) and negatives:
            mixed = group + negatives
            figures["auc"] = roc_auc(
                [bool(o.pair["derived"]) for o in mixed], [o.comparison.probability for o in mixed]
            )
        else:
            figures["auc"] = roc_auc(t, [o.comparison.probability for o in group])
        figures["mean_probability"] = float(np.mean([o.comparison.probability for o in group]))
        # reuse of passage scope is derivation, but a user reads it apart from a rewritten whole
        figures["partial"] = sum(o.comparison.verdict == "partial" for o in group)
        kinds[kind] = _round(figures)
    result["kinds"] = kinds
    return result


def detections_of(outcomes: list[PairOutcome]) -> tuple[list, list]:
    cases, detections = [], []
    for o in outcomes:
        key = o.pair["id"]
        for s0, sl, t0, tl in o.pair.get("spans") or []:
            cases.append((key, s0, s0 + sl, t0, t0 + tl))
        if o.comparison.derived:
            for p in reported_passages(o.comparison.alignments):
                detections.append((key, p.source[0], p.source[1], p.suspect[0], p.suspect[1]))
    return cases, detections


def score_sentence_pairs(ds: Dataset, limit: int | None = None, encoder: str = "minilm") -> dict:
    rows = ds.sentence_pairs[:limit] if limit else ds.sentence_pairs
    probs = paraphrase_probabilities([r["a"] for r in rows], [r["b"] for r in rows], encoder)
    truth = [bool(r["paraphrase"]) for r in rows]
    return _round({**classification(truth, [p >= 0.5 for p in probs]), "auc": roc_auc(truth, probs)})


def evaluate_dataset(folder, options: EvalOptions, progress: Progress | None = None) -> dict:
    """Pair, direction, passage, sentence, change and retrieval figures for one dataset.

    The retrieval figures measure `trace()` as it ships, with `options.trace` (its own encoder).
    """
    ds = load_dataset(folder, options.split)
    core, limit = options.compare, options.limit
    out: dict = {}
    if ds.pairs:
        pairs = ds.pairs[:limit] if limit else ds.pairs
        suspects = {p["suspect_id"] for p in pairs}
        # every pair of a chosen suspect says what its true sources are, also past --limit
        truth_pairs = [p for p in ds.pairs if p["suspect_id"] in suspects] if options.retrieval else pairs
        ids = {i for p in pairs + truth_pairs for i in (p["source_id"], p["suspect_id"])}
        prepared = prepare_documents(ds, ids, core, progress)
        outcomes = list(compare_pairs(ds, core, progress, limit, prepared))
        out["pairs"] = score_pairs(outcomes, core)
        out["direction"] = _round_deep(score_direction([o.comparison for o in outcomes if o.pair["derived"]]))
        if any("spans" in o.pair for o in outcomes):
            cases, detections = detections_of([o for o in outcomes if "spans" in o.pair])
            out["spans"] = _round(plagdet(cases, detections))
        if options.retrieval:
            if options.trace.compare.encoder != core.encoder:
                prepared = prepare_documents(ds, ids, options.trace.compare, progress)
            out["retrieval"] = _round(score_retrieval(ds, truth_pairs, prepared, options.trace, progress))
    if ds.sentence_pairs:
        out["sentence_pairs"] = score_sentence_pairs(ds, limit, core.encoder)
    if ds.changes:
        if limit:
            ds.changes = ds.changes[:limit]
        ids = {i for r in ds.changes for i in (r["source_id"], r["suspect_id"])}
        out["changes"] = _round_deep(score_changes(ds, prepare_documents(ds, ids, core, progress), core))
    return out


def _round_deep(value):
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {k: _round_deep(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_round_deep(v) for v in value]
    return value


def evaluate(path, options: EvalOptions | None = None, progress: Progress | None = None) -> dict:
    options = options or EvalOptions()
    folders = find_datasets(path)
    datasets = {folder.name: evaluate_dataset(folder, options, progress) for folder in folders}
    anchors = min(EVAL_ANCHORS, options.limit) if options.limit else EVAL_ANCHORS
    model = score_perturbations(folders, options.split, anchors, progress)
    return {
        "schema": EVAL_SCHEMA,
        "split": options.split,
        "limit": options.limit,
        "encoder": options.compare.encoder,
        "trace_encoder": options.trace.compare.encoder,
        "datasets": datasets,
        **({"faithfulness": _round_deep(model)} if model else {}),
    }
