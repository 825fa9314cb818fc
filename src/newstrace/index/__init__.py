"""The persistent corpus index: documents, their search terms, and the store behind them."""

from newstrace.index.store import IndexedDocument, SQLiteStore, Store, open_store

__all__ = ["IndexedDocument", "SQLiteStore", "Store", "open_store"]
