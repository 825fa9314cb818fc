"""Retrieval figures: index a dataset's sources, trace each suspect, see where its true source ranks.

recall@k and MRR are over derived suspects; the false-source rate is the share of suspects with
no derived pair at all (nothing in the index was their source) that trace still calls derived; the
possible-copy rate is the share of derived suspects whose true source trace shows but calls a
`possible_copy` of the suspect. Each suspect goes through `trace()` itself, with the caller's
options, so the figures are those of the shipped entry point.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import replace

from newstrace.evaluation.datasets import Dataset
from newstrace.index.ingest import ingest
from newstrace.index.store import IndexedDocument, open_store
from newstrace.lexical import ngrams, tokens
from newstrace.options import TraceOptions
from newstrace.prepared import PreparedText
from newstrace.trace import trace

SHARED_RUNS = 3  # distinct verbatim 8-word runs


def score_retrieval(
    ds: Dataset,
    pairs: list[dict],
    prepared: dict[str, PreparedText],
    options: TraceOptions,
    progress: Callable[[str, int], None] | None = None,
) -> dict:
    sources = sorted({p["source_id"] for p in pairs if p["source_id"] in prepared})
    true_sources: dict[str, set[str]] = {}
    for p in pairs:
        if p["suspect_id"] in prepared:
            true_sources.setdefault(p["suspect_id"], set())
            if p["derived"]:
                true_sources[p["suspect_id"]].add(p["source_id"])
    ranks: list[int | None] = []
    false_hits = unsourced = worded = shown_true = called_copy = 0
    with tempfile.TemporaryDirectory(prefix="newstrace-eval-") as tmp:
        store = open_store(tmp)
        ingest(store, (IndexedDocument(id=i, text=ds.documents[i]) for i in sources))
        for suspect_id, truth in sorted(true_sources.items()):
            suspect = prepared[suspect_id]
            body = suspect.document.body
            # a suspect indexed as a source is not its own source
            asked = replace(options, exclude=options.exclude | {suspect_id})
            result = trace(suspect, store, asked, lambda doc: prepared[doc.id])
            if truth:
                rank = next((k for k, i in enumerate(result.ranking[:10], 1) if i in truth), None)
                ranks.append(rank)
                roles = [s.role for s in result.sources if s.document.id in truth and s.comparison.derived]
                if roles:
                    shown_true += 1
                    called_copy += "possible_copy" in roles
            else:
                unsourced += 1
                false = [s for s in result.sources if s.comparison.derived]
                if false:
                    false_hits += 1
                    runs = ngrams(tokens(body), 8)
                    worded += any(len(runs & ngrams(tokens(s.document.text), 8)) >= SHARED_RUNS for s in false)
            if progress:
                progress(f"{ds.name}: tracing", 1)
        store.close()
    n = len(ranks)
    return {
        "recall@1": sum(1 for r in ranks if r == 1) / n if n else None,
        "recall@10": sum(1 for r in ranks if r is not None) / n if n else None,
        "mrr": sum(1.0 / r for r in ranks if r) / n if n else None,
        "false_source_rate": false_hits / unsourced if unsourced else None,
        "possible_copy_rate": called_copy / shown_true if shown_true else None,
        # of the suspects with a false source, how many share verbatim 8-word runs with it: most
        # likely unlabelled reuse (two rewrites of one wire story), not independent reporting
        "false_sources_sharing_wording": worded / false_hits if false_hits else None,
        "n": n,
        "n_unsourced": unsourced,
    }
