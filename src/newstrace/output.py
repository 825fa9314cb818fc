"""Output files: checked before the work that fills them, written with a named error on failure."""

from __future__ import annotations

import os
from pathlib import Path

from newstrace.errors import OutputNotWritable


def check_output_path(path: str | Path) -> Path:
    """Raise OutputNotWritable now if `path` cannot be written, so no computation is wasted on it."""
    p = Path(path)
    if p.is_dir():
        raise OutputNotWritable(f"{p}: is a folder; give a file name")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise OutputNotWritable(f"{p}: folder {parent} does not exist; create it or choose another path")
    if p.exists() and not os.access(p, os.W_OK):
        raise OutputNotWritable(f"{p}: file is not writable")
    if not p.exists() and not os.access(parent, os.W_OK | os.X_OK):
        raise OutputNotWritable(f"{p}: folder {parent} is not writable")
    return p


def write_text(path: str | Path, text: str) -> None:
    """Write `text` as UTF-8; an OS error (disk full, permissions) becomes OutputNotWritable."""
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise OutputNotWritable(f"{path}: cannot write ({exc.strerror or exc})") from exc


def open_for_writing(path: str | Path):
    """A UTF-8 text file opened for writing; an OS error becomes OutputNotWritable."""
    try:
        return Path(path).open("w", encoding="utf-8")
    except OSError as exc:
        raise OutputNotWritable(f"{path}: cannot write ({exc.strerror or exc})") from exc
