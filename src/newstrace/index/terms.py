"""The search terms of a document: what a rewrite keeps when it changes every sentence.

A paraphrase shares few word n-grams with its source but keeps names, figures and rare words.
Indexing only those (not every word) keeps the full-text index small and makes a BM25 query
built from a suspect's rarest words a good first filter.
"""

from __future__ import annotations

from newstrace.lexical import STOPWORDS, rarity, tokens

# Words at least this common (Zipf >= 5: "people", "government") are not indexed: a query is built
# from a text's rarest words and never reaches them, and leaving them out saves a third of the index.
MIN_RARITY = 1.0


def document_terms(text: str) -> list[str]:
    """Distinct, not very common content words of a text (lower-cased), in order of first use."""
    seen: dict[str, None] = {}
    for t in tokens(text):
        if t in seen or t in STOPWORDS or len(t) < 2 or len(t) > 40:
            continue
        if t.isdigit() or rarity(t) > MIN_RARITY:
            seen[t] = None
    return list(seen)


def query_terms(text: str, limit: int) -> list[str]:
    """The `limit` rarest content words of a text in English: the pool trace picks its query from."""
    terms = [t for t in document_terms(text) if not t.isdigit() or len(t) >= 2]
    ranked = sorted(terms, key=lambda t: (-rarity(t), t))
    return ranked[:limit]
