"""Plain English for findings: counts, lists and quotations as a reader would write them.

A detail quotes the text as it stands, in the order it appears; nothing here sorts or
lower-cases what it is given.
"""

from __future__ import annotations

_NUMBERS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def count(n: int, noun: str, plural: str | None = None) -> str:
    """ "one source sentence", "3 source sentences" (small counts in words, as style guides ask)."""
    word = _NUMBERS[n] if 0 <= n < len(_NUMBERS) else str(n)
    return f"{word} {noun if n == 1 else plural or noun + 's'}"


def times(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{n} times")


def listing(items: list[str], conjunction: str = "and") -> str:
    """ "A", "A and B", "A, B and C"."""
    if len(items) <= 2:
        return f" {conjunction} ".join(items)
    return ", ".join(items[:-1]) + f" {conjunction} " + items[-1]


def quoted(items: list[str], conjunction: str = "and") -> str:
    return listing([f"“{clean(i)}”" for i in items], conjunction)


def clean(text: str) -> str:
    """One line, without the comma or stop that a quotation ends on inside the sentence."""
    return " ".join(text.split()).rstrip(",;:")


def snippet(text: str, limit: int = 160) -> str:
    """The text on one line, cut at a word boundary near `limit` characters."""
    s = " ".join(text.split())
    if len(s) <= limit:
        return s
    cut = s.rfind(" ", 0, limit)
    return s[: cut if cut > limit // 2 else limit].rstrip(" ,;:") + "…"


def final_quote(text: str) -> str:
    """A quotation that ends a detail: “… Tuesday.” keeps its own stop, “… 12” gets one after."""
    t = clean(text)
    return f"“{t}”" if t.endswith((".", "!", "?", "…")) else f"“{t}”."


def capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def ordered_unique(items: list[str]) -> list[str]:
    out: list[str] = []
    for i in items:
        if i not in out:
            out.append(i)
    return out
