"""Embedded on-disk storage: SQLite in WAL mode, with an FTS5 index of each document's terms.

Each batch of writes is one transaction, so a crash or kill during ingest loses at most the
batch in flight and never leaves an index that cannot be opened. `Store` is the interface the
rest of newstrace uses; another backend implements it without touching callers.

Size matters at a million documents: texts are zstd-compressed with a dictionary trained on the
index's own first documents (short news texts compress poorly alone), the full-text index is
contentless (a document's terms are recomputed from its text when it is deleted), and pages are
16 KiB so that ~1.5 KB rows do not leave half of each page empty.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import sqlite3
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import zstandard

from newstrace.errors import IndexLocked, IndexNotFound, IndexUnusable
from newstrace.index.terms import document_terms

SCHEMA_VERSION = "3"
DEFAULT_INDEX_DIR = ".newstrace"
DICTIONARY_TRAIN_DOCS = 1000  # documents stored before a compression dictionary is trained
DICTIONARY_BYTES = 112_640
ZSTD_LEVEL = 9
#: How long a writer waits for another process's write transaction (one ingest batch) to end.
LOCK_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class IndexedDocument:
    id: str
    text: str
    title: str | None = None
    url: str | None = None
    outlet: str | None = None
    published: str | None = None  # ISO date
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def content_hash(self) -> str:
        h = hashlib.sha256(self.text.encode("utf-8"))
        for value in (self.title, self.url, self.outlet, self.published):
            h.update(b"\x00" + (value or "").encode("utf-8"))
        return h.hexdigest()


_SENTENCE_END = re.compile(r"[.!?]+[\"”’)]*\s+(?=[\"“(]?[A-Z0-9])|\n\s*\n?")


def estimate_sentences(text: str) -> int:
    """A fast sentence count for index statistics (ingest cannot afford pysbd on every document)."""
    stripped = text.strip()
    return len(_SENTENCE_END.findall(stripped)) + 1 if stripped else 0


class Store(ABC):
    """What newstrace needs from an index backend."""

    @abstractmethod
    def upsert(self, docs: Iterable[IndexedDocument]) -> dict[str, str]:
        """Add or update documents in one transaction; returns id -> added | updated | skipped."""

    @abstractmethod
    def remove(self, ids: Iterable[str]) -> list[str]:
        """Remove documents; returns the ids that were present."""

    @abstractmethod
    def get(self, doc_id: str) -> IndexedDocument | None: ...

    @abstractmethod
    def search(self, terms: list[str], limit: int, since: str | None = None) -> list[tuple[str, float]]:
        """Document ids ranked by BM25 over `terms` (best first), with their scores."""

    @abstractmethod
    def document_frequencies(self, terms: list[str]) -> dict[str, int]:
        """How many indexed documents hold each term (terms held by none are left out)."""

    @abstractmethod
    def iter_documents(self) -> Iterator[IndexedDocument]: ...

    @abstractmethod
    def stats(self) -> dict: ...

    @abstractmethod
    def verify(self, progress: Callable[[int], None] | None = None) -> list[str]:
        """Problems found (an empty list means every part of the index agrees); `progress(n)` per n documents."""

    @abstractmethod
    def close(self) -> None: ...


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS dictionaries(id INTEGER PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS documents(
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    content_hash TEXT NOT NULL,
    title TEXT, url TEXT, outlet TEXT, published TEXT,
    n_chars INTEGER NOT NULL,
    n_sentences INTEGER NOT NULL,
    dictionary INTEGER REFERENCES dictionaries(id),
    text BLOB NOT NULL,
    added_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_published ON documents(published);
CREATE VIRTUAL TABLE IF NOT EXISTS terms_fts USING fts5(
    terms, content='', tokenize='unicode61 remove_diacritics 2'
);
CREATE TABLE IF NOT EXISTS term_counts(term TEXT PRIMARY KEY, documents INTEGER NOT NULL) WITHOUT ROWID;
"""
# How many documents hold each term, kept in step with terms_fts inside every write transaction.
# fts5vocab can say the same, but it counts by reading the term's whole posting list: at a million
# documents that was a third of trace's retrieval time, for a number that changes only on writes.
_UPGRADABLE = {"2"}
_FTS_TOKENIZER = "unicode61 remove_diacritics 2"  # as in terms_fts above


class _FtsTokens:
    """The distinct tokens FTS5 makes of a document's terms, so term_counts counts what it indexes.

    Our terms are runs of Python word characters; FTS5's unicode61 tokenizer splits by its own,
    older Unicode tables, and a few scripts (New Tai Lue vowel signs, for one) differ. ASCII terms
    cannot differ; the rest are put through SQLite's tokenizer itself, in a private in-memory table.
    """

    def __init__(self) -> None:
        self._conn = sqlite3.connect(":memory:")
        self._conn.execute(f"CREATE VIRTUAL TABLE t USING fts5(x, tokenize='{_FTS_TOKENIZER}')")
        self._conn.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'row')")

    def distinct(self, terms: list[str]) -> set[str]:
        tokens = {t for t in terms if t.isascii()}
        other = [t for t in terms if not t.isascii()]
        if other:
            with self._conn:
                self._conn.execute("INSERT INTO t(x) VALUES (?)", (" ".join(other),))
                tokens.update(term for (term,) in self._conn.execute("SELECT term FROM v"))
                self._conn.execute("DELETE FROM t")
        return tokens


class SQLiteStore(Store):
    def __init__(self, path: str | Path, create: bool = True, lock_timeout: float = LOCK_TIMEOUT_S) -> None:
        self.dir = Path(path)
        self.lock_timeout = lock_timeout
        db = self.dir / "index.sqlite"
        if self.dir.exists() and not self.dir.is_dir():
            raise IndexUnusable(f"{self.dir} is a file, not an index folder; point --index at a folder")
        if not db.exists() and not create:
            raise IndexNotFound(f"no newstrace index at {self.dir}; create one with `newstrace index add`")
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise IndexUnusable(f"cannot create the index folder {self.dir}: {exc.strerror or exc}") from exc
        try:
            self.conn = sqlite3.connect(db, timeout=lock_timeout)
            has_meta = self.conn.execute("SELECT 1 FROM sqlite_master WHERE name='meta'").fetchone()
            version = self.conn.execute("SELECT value FROM meta WHERE key='schema'").fetchone() if has_meta else None
            if version is None and not create:  # an empty file: say so, and write nothing into it
                self.conn.close()
                raise IndexNotFound(f"{db} is not a newstrace index (no schema); create one with `newstrace index add`")
            self.conn.execute("PRAGMA page_size=16384")  # only takes effect on a new file
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            if version is not None and version[0] != SCHEMA_VERSION and version[0] not in _UPGRADABLE:
                raise IndexUnusable(
                    f"index at {self.dir} has schema {version[0]}, this newstrace reads {SCHEMA_VERSION}; "
                    "rebuild it: `newstrace index export` with the older newstrace, then `newstrace index add`"
                )
            self.conn.executescript(_SCHEMA)
            # the full-text index's own view of its terms: to upgrade and to verify term_counts
            self.conn.execute(
                "CREATE VIRTUAL TABLE IF NOT EXISTS temp.terms_vocab USING fts5vocab(main, terms_fts, 'row')"
            )
            if version is None:
                with self.conn:
                    # OR IGNORE: two processes may create the same new index at once
                    self.conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
            elif version[0] == "2":
                with self.conn:  # schema 2 had no term_counts: count once from the full-text index
                    self.conn.execute("INSERT OR IGNORE INTO term_counts SELECT term, doc FROM temp.terms_vocab")
                    self.conn.execute("UPDATE meta SET value=? WHERE key='schema'", (SCHEMA_VERSION,))
        except sqlite3.OperationalError as exc:
            if _is_busy(exc):
                raise self._locked() from exc
            raise IndexUnusable(f"cannot open the index at {self.dir}: {exc}") from exc
        except sqlite3.DatabaseError as exc:
            raise IndexUnusable(f"cannot open the index at {self.dir}: {exc}") from exc
        self._fts_tokens = _FtsTokens()
        self._compressors: dict[int | None, zstandard.ZstdCompressor] = {}
        self._decompressors: dict[int | None, zstandard.ZstdDecompressor] = {}

    # -- writes ---------------------------------------------------------------------------
    def _locked(self) -> IndexLocked:
        return IndexLocked(
            f"the index at {self.dir} is being written by another process and stayed locked for "
            f"{self.lock_timeout:g} s; wait for that process to finish, then run this again"
        )

    @contextlib.contextmanager
    def _write(self) -> Iterator[None]:
        """One write transaction holding the write lock from its first read (BEGIN IMMEDIATE).

        Writers in other processes wait up to `lock_timeout` for it, so what a batch reads (is
        this id stored? with which content?) is still true when it writes: overlapping ingests
        serialise batch by batch and cannot collide on an id. Readers are not blocked (WAL).
        """
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if _is_busy(exc):
                raise self._locked() from exc
            raise IndexUnusable(f"cannot write the index at {self.dir}: {exc}") from exc
        try:
            with self.conn:  # commit, or roll back on any error: all of the batch or none of it
                yield
        except sqlite3.OperationalError as exc:
            if _is_busy(exc):
                raise self._locked() from exc
            raise IndexUnusable(f"cannot write the index at {self.dir}: {exc}") from exc

    def upsert(self, docs: Iterable[IndexedDocument]) -> dict[str, str]:
        outcome: dict[str, str] = {}
        now = datetime.now(UTC).isoformat(timespec="seconds")
        counts: Counter[str] = Counter()
        with self._write():  # one transaction: all of the batch or none of it
            dictionary = self._current_dictionary()
            for doc in docs:
                digest = doc.content_hash
                row = self.conn.execute("SELECT rowid, content_hash FROM documents WHERE id=?", (doc.id,)).fetchone()
                if row and row[1] == digest:
                    outcome[doc.id] = "skipped"
                    continue
                if row:
                    counts.subtract(self._delete_rowid(row[0]))
                cur = self.conn.execute(
                    "INSERT INTO documents(id, content_hash, title, url, outlet, published, n_chars, n_sentences,"
                    " dictionary, text, added_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        doc.id,
                        digest,
                        doc.title,
                        doc.url,
                        doc.outlet,
                        doc.published,
                        len(doc.text),
                        estimate_sentences(doc.text),
                        dictionary,
                        self._compress(doc.text, dictionary),
                        now,
                    ),
                )
                terms = document_terms(doc.text)
                self.conn.execute("INSERT INTO terms_fts(rowid, terms) VALUES (?,?)", (cur.lastrowid, " ".join(terms)))
                counts.update(self._fts_tokens.distinct(terms))
                outcome[doc.id] = "updated" if row else "added"
            self._count_terms(counts)
        return outcome

    def _count_terms(self, counts: Counter[str]) -> None:
        """Apply a batch's changes to term_counts (inside the batch's transaction)."""
        self.conn.executemany(
            "INSERT INTO term_counts VALUES (?, ?)"
            " ON CONFLICT(term) DO UPDATE SET documents = documents + excluded.documents",
            [(t, n) for t, n in counts.items() if n],
        )
        self.conn.executemany(
            "DELETE FROM term_counts WHERE term = ? AND documents <= 0", [(t,) for t, n in counts.items() if n < 0]
        )

    # -- compression ----------------------------------------------------------------------
    def _current_dictionary(self) -> int | None:
        """The dictionary new texts use; trained (and old texts recompressed) once enough are stored."""
        row = self.conn.execute("SELECT max(id) FROM dictionaries").fetchone()
        if row[0] is not None:
            return row[0]
        if self.conn.execute("SELECT count(*) FROM documents").fetchone()[0] < DICTIONARY_TRAIN_DOCS:
            return None
        rows = self.conn.execute(
            "SELECT rowid, dictionary, text FROM documents ORDER BY rowid LIMIT ?", (DICTIONARY_TRAIN_DOCS * 2,)
        ).fetchall()
        samples = [self._decompress(blob, dictionary).encode("utf-8") for _, dictionary, blob in rows]
        try:
            trained = zstandard.train_dictionary(DICTIONARY_BYTES, samples).as_bytes()
        except zstandard.ZstdError:  # too little varied text to learn from: keep plain zstd
            return None
        new_id = self.conn.execute("INSERT INTO dictionaries(data) VALUES (?)", (trained,)).lastrowid
        for rowid, dictionary, blob in self.conn.execute("SELECT rowid, dictionary, text FROM documents").fetchall():
            text = self._decompress(blob, dictionary)
            self.conn.execute(
                "UPDATE documents SET dictionary=?, text=? WHERE rowid=?", (new_id, self._compress(text, new_id), rowid)
            )
        return new_id

    def _dictionary(self, dictionary: int) -> zstandard.ZstdCompressionDict:
        data = self.conn.execute("SELECT data FROM dictionaries WHERE id=?", (dictionary,)).fetchone()
        if data is None:
            raise IndexUnusable(f"index at {self.dir}: compression dictionary {dictionary} is missing")
        return zstandard.ZstdCompressionDict(data[0])

    def _compress(self, text: str, dictionary: int | None) -> bytes:
        if dictionary not in self._compressors:
            kwargs = {"dict_data": self._dictionary(dictionary)} if dictionary is not None else {}
            self._compressors[dictionary] = zstandard.ZstdCompressor(
                level=ZSTD_LEVEL, write_checksum=True, write_dict_id=False, **kwargs
            )
        return self._compressors[dictionary].compress(text.encode("utf-8"))

    def _decompress(self, blob: bytes, dictionary: int | None) -> str:
        if dictionary not in self._decompressors:
            kwargs = {"dict_data": self._dictionary(dictionary)} if dictionary is not None else {}
            self._decompressors[dictionary] = zstandard.ZstdDecompressor(**kwargs)
        return self._decompressors[dictionary].decompress(blob).decode("utf-8")

    def _delete_rowid(self, rowid: int) -> set[str]:
        """Delete a document and its postings; return the terms FTS5 held for it, for term_counts."""
        row = self.conn.execute("SELECT dictionary, text FROM documents WHERE rowid=?", (rowid,)).fetchone()
        terms: list[str] = []
        if row is not None:
            # the full-text index is contentless: deleting needs the terms it was given
            terms = document_terms(self._decompress(row[1], row[0]))
            self.conn.execute(
                "INSERT INTO terms_fts(terms_fts, rowid, terms) VALUES ('delete', ?, ?)", (rowid, " ".join(terms))
            )
        self.conn.execute("DELETE FROM documents WHERE rowid=?", (rowid,))
        return self._fts_tokens.distinct(terms)

    def remove(self, ids: Iterable[str]) -> list[str]:
        removed = []
        counts: Counter[str] = Counter()
        with self._write():
            for doc_id in ids:
                row = self.conn.execute("SELECT rowid FROM documents WHERE id=?", (doc_id,)).fetchone()
                if row:
                    counts.subtract(self._delete_rowid(row[0]))
                    removed.append(doc_id)
            self._count_terms(counts)
        return removed

    # -- reads ----------------------------------------------------------------------------
    def _row_to_doc(self, row: tuple) -> IndexedDocument:
        doc_id, title, url, outlet, published, dictionary, blob = row
        return IndexedDocument(
            id=doc_id,
            text=self._decompress(blob, dictionary),
            title=title,
            url=url,
            outlet=outlet,
            published=published,
        )

    _COLUMNS = "id, title, url, outlet, published, dictionary, text"

    def get(self, doc_id: str) -> IndexedDocument | None:
        row = self.conn.execute(f"SELECT {self._COLUMNS} FROM documents WHERE id=?", (doc_id,)).fetchone()
        return self._row_to_doc(row) if row else None

    def search(self, terms: list[str], limit: int, since: str | None = None) -> list[tuple[str, float]]:
        clean = [t.replace('"', "") for t in terms if t.strip('"')]
        if not clean:
            return []
        query = " OR ".join(f'"{t}"' for t in clean)
        if since:  # the date filter needs each match's document row
            sql = (
                "SELECT d.id, bm25(terms_fts) AS score FROM terms_fts JOIN documents d ON d.rowid = terms_fts.rowid "
                "WHERE terms_fts MATCH ? AND (d.published IS NULL OR d.published >= ?) ORDER BY score LIMIT ?"
            )
            rows = self.conn.execute(sql, (query, since, limit)).fetchall()
        else:
            # rank inside the full-text index first and look up only the winners' ids: joining
            # every match to its document row costs more than the ranking itself
            ranked = self.conn.execute(
                "SELECT rowid, bm25(terms_fts) AS score FROM terms_fts WHERE terms_fts MATCH ? ORDER BY score LIMIT ?",
                (query, limit),
            ).fetchall()
            marks = ",".join("?" * len(ranked))
            ids = dict(
                self.conn.execute(f"SELECT rowid, id FROM documents WHERE rowid IN ({marks})", [r for r, _ in ranked])
            )
            rows = [(ids[rowid], score) for rowid, score in ranked if rowid in ids]
        # bm25() is lower-is-better in SQLite; flip the sign so callers see higher-is-better
        return [(doc_id, -score) for doc_id, score in rows]

    def document_frequencies(self, terms: list[str]) -> dict[str, int]:
        if not terms:
            return {}
        marks = ",".join("?" * len(terms))
        return dict(self.conn.execute(f"SELECT term, documents FROM term_counts WHERE term IN ({marks})", terms))

    def iter_documents(self) -> Iterator[IndexedDocument]:
        for row in self.conn.execute(f"SELECT {self._COLUMNS} FROM documents ORDER BY rowid"):
            yield self._row_to_doc(row)

    def stats(self) -> dict:
        docs, chars, sentences = self.conn.execute(
            "SELECT count(*), coalesce(sum(n_chars), 0), coalesce(sum(n_sentences), 0) FROM documents"
        ).fetchone()
        # fold the write-ahead log into the database first, so the size is the index's, not a batch's
        # without waiting: a TRUNCATE checkpoint otherwise waits out every writer's busy timeout
        self.conn.execute("PRAGMA busy_timeout=0")
        with contextlib.suppress(sqlite3.OperationalError):  # busy elsewhere: report the size as it is
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.conn.execute(f"PRAGMA busy_timeout={int(self.lock_timeout * 1000)}")
        size = sum(p.stat().st_size for p in self.dir.glob("index.sqlite*") if p.is_file())
        return {
            "documents": docs,
            "sentences": sentences,
            "characters": chars,
            "bytes_on_disk": size,
            "path": str(self.dir),
        }

    def verify(self, progress: Callable[[int], None] | None = None) -> list[str]:
        problems = []
        check = self.conn.execute("PRAGMA integrity_check").fetchone()[0]
        if check != "ok":
            problems.append(f"sqlite integrity check: {check}")
        n_docs = self.conn.execute("SELECT count(*) FROM documents").fetchone()[0]
        n_terms = self.conn.execute("SELECT count(*) FROM terms_fts_docsize").fetchone()[0]
        if n_docs != n_terms:
            problems.append(f"{n_docs} documents but {n_terms} term rows in the full-text index")
        orphans = self.conn.execute(
            "SELECT count(*) FROM terms_fts_docsize t LEFT JOIN documents d ON d.rowid = t.id WHERE d.rowid IS NULL"
        ).fetchone()[0]
        if orphans:
            problems.append(f"{orphans} term rows belong to no document")
        try:
            self.conn.execute("INSERT INTO terms_fts(terms_fts, rank) VALUES ('integrity-check', 1)")
        except sqlite3.DatabaseError as exc:
            problems.append(f"full-text index is damaged: {exc}")
        else:
            # both ways, in SQL: a million documents' terms need not fit in memory
            disagree = self.conn.execute(
                "SELECT (SELECT count(*) FROM (SELECT term, doc FROM temp.terms_vocab"
                " EXCEPT SELECT term, documents FROM term_counts))"
                " + (SELECT count(*) FROM (SELECT term, documents FROM term_counts"
                " EXCEPT SELECT term, doc FROM temp.terms_vocab))"
            ).fetchone()[0]
            if disagree:
                problems.append(f"{disagree} term counts disagree with the full-text index")
        if self.conn.in_transaction:  # the check is an INSERT: end the transaction it opened (it wrote nothing)
            self.conn.rollback()
        unfindable = 0
        for rowid, *fields, n_chars, digest in self._all_rows(f"rowid, {self._COLUMNS}, n_chars, content_hash"):
            try:
                doc = self._row_to_doc(tuple(fields))
            except (zstandard.ZstdError, UnicodeDecodeError, IndexUnusable):
                problems.append(f"document {fields[0]}: stored text is unreadable")
                continue
            if len(doc.text) != n_chars:
                problems.append(f"document {doc.id}: {len(doc.text)} characters stored, {n_chars} recorded")
            if doc.content_hash != digest:
                problems.append(f"document {doc.id}: content does not match its recorded hash")
            terms = document_terms(doc.text)
            probe = '"' + terms[0].replace('"', "") + '"' if terms else None
            found = "SELECT 1 FROM terms_fts WHERE terms_fts MATCH ? AND rowid=?"
            if probe and not self.conn.execute(found, (probe, rowid)).fetchone():
                unfindable += 1
            if progress:
                progress(1)
        if unfindable:
            problems.append(f"{unfindable} documents cannot be found through the full-text index")
        return problems

    def _all_rows(self, columns: str, batch: int = 1000) -> Iterator[tuple]:
        """Every document row in rowid order, a batch at a time (a million texts do not fit in memory)."""
        last = 0
        while True:
            rows = self.conn.execute(
                f"SELECT {columns} FROM documents WHERE rowid > ? ORDER BY rowid LIMIT ?", (last, batch)
            ).fetchall()
            if not rows:
                return
            yield from rows
            last = rows[-1][0]

    def close(self) -> None:
        self.conn.close()


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    return "locked" in str(exc) or "busy" in str(exc)


def default_index_dir() -> Path:
    return Path(os.environ.get("NEWSTRACE_INDEX") or DEFAULT_INDEX_DIR)


def open_store(path: str | Path | None = None, create: bool = True, lock_timeout: float = LOCK_TIMEOUT_S) -> Store:
    """Open (or create) the index at `path`, `$NEWSTRACE_INDEX`, or ./.newstrace.

    A write waits up to `lock_timeout` seconds for another process's write, then raises IndexLocked.
    """
    return SQLiteStore(path or default_index_dir(), create=create, lock_timeout=lock_timeout)
